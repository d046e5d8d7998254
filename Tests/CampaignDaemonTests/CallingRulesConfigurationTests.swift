import Foundation
import Scheduler
import Testing
@testable import CampaignDaemon

/// `callingRules` and `limits.maxAttemptsPerNumberPerDay` in campaignd.json, and campaign `window.exceptDates`.
@Suite struct CallingRulesConfigurationTests {
    static func utc(_ text: String) -> Date {
        guard let date = ISO8601DateFormatter().date(from: text + "Z") else { preconditionFailure("bad test time \(text)") }
        return date
    }

    func load(_ text: String) throws(ValidationFailure) -> Configuration {
        let directory = NSTemporaryDirectory() + "campaignd-rules-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = FileManager.default.createFile(atPath: directory + "/campaignd.json", contents: Data(text.utf8))
        return try Configuration(path: directory + "/campaignd.json")
    }

    func problems(_ text: String) -> String {
        do {
            _ = try load(text)
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    @Test func theExampleConfigurationHasAFloridaStyleRule() throws {
        let configuration = try Configuration(path: ExampleFilesTests.root + "/deploy/campaignd.example.json")
        let florida = try #require(configuration.callingRules.first)
        #expect(florida.name == "florida")
        #expect(florida.prefixes.contains("+1305"))
        #expect(florida.window.start == 8 * 60 && florida.window.end == 20 * 60)
        #expect(florida.maxAttemptsPerDay == 3)
        #expect(florida.window.exceptDates == ["2026-12-25", "2027-01-01"])
        // The example's default zone is New York; a Miami number at 20:30 EST is outside the rule.
        let policy = configuration.callingPolicy
        let contact = policy.contact(target: "+13055550100", contactZone: nil, settings: configuration.defaultSettings)
        let decision = policy.decide(contact, at: Self.utc("2026-11-19T01:30:00")) { _ in 0 }
        #expect(decision == CallingPolicy.Decision.wait(until: Self.utc("2026-11-19T14:00:00"), reason: .windowClosed,
                                                        CallingPolicy.Zones(["America/New_York"], source: .number)))
    }

    @Test func rulesAndTheCapAreRead() throws {
        let configuration = try load("""
            {"limits": {"maxAttemptsPerNumberPerDay": 2},
             "callingRules": [{"name": "quiet", "prefixes": ["+1212"], "exceptDates": ["2026-07-04"]}]}
            """)
        #expect(configuration.limits.maxAttemptsPerNumberPerDay == 2)
        #expect(configuration.callingRules == [CallingRule(name: "quiet", prefixes: ["+1212"], window: {
            var window = CallingRule.allDay
            window.exceptDates = ["2026-07-04"]
            return window
        }())])
        #expect(try load("{}").limits.maxAttemptsPerNumberPerDay == nil)
    }

    @Test func badRulesNameTheFieldAndWhatWasExpected() {
        let text = """
            {"callingRules": [
              {"name": "fl", "prefixes": ["1305", "+1 786"], "window": {"start": "8am", "timezone": "UTC"},
               "maxAttemptsPerDay": 0, "exceptDates": ["2026-02-30"], "hours": 1},
              {"prefixes": []}
            ],
             "limits": {"maxAttemptsPerNumberPerDay": "three"}}
            """
        let message = problems(text)
        for expected in [
            "campaignd.json:2: callingRules[0].prefixes[0]: \"1305\" is not an E.164 prefix; expected + and 1 to 15 digits such as +1305",
            "callingRules[0].prefixes[1]: \"+1 786\" is not an E.164 prefix",
            "callingRules[0].window.start: \"8am\" is not a time of day; expected HH:MM",
            "callingRules[0].window.timezone: unknown setting",
            "callingRules[0].maxAttemptsPerDay: 0 is out of range; expected 1 to 1000",
            "callingRules[0].exceptDates[0]: \"2026-02-30\" is not a date; expected YYYY-MM-DD",
            "callingRules[0].hours: unknown setting",
            "campaignd.json:4: callingRules[1]: rule has no \"name\"",
            "callingRules[1].prefixes: expected a non-empty array of E.164 prefixes",
            "limits.maxAttemptsPerNumberPerDay: expected a whole number",
        ] {
            #expect(message.contains(expected), "missing \(expected) in \(message)")
        }
    }
}
