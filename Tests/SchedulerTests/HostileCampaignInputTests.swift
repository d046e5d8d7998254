import Foundation
import Testing
@testable import Scheduler

/// Issue 14: campaign files dropped by someone who means harm (or just makes a big mistake).
@Suite struct ConfinedFileTests {
    /// A fixture with a readable, valid contact list outside `campaigns/` whose contents must never surface.
    private func fixtureWithSecret() throws -> LoaderFixture {
        let fixture = try LoaderFixture()
        try fixture.directory.write("outside/secret.csv", "target,password\n+15551239999,SECRET-hunter2\n")
        try fixture.directory.write("outside/secret.wav", bytes: wav(sampleRate: 8000))
        _ = try fixture.write("lists/people.csv", "target\n+15551230001\n")
        return fixture
    }

    private func expectNothingLeaks(_ problems: [String]) {
        #expect(!problems.joined().contains("SECRET"))
        #expect(!problems.joined().contains("15551239999"))
    }

    @Test func relativePathOutOfListsIsRefused() throws {
        let fixture = try fixtureWithSecret()
        let problems = try fixture.problems("r.json", #"{"contactsFile": "../../outside/secret.csv"}"#)
        #expect(problems == [
            "r.json:1: contactsFile: contacts file \"../../outside/secret.csv\" is outside campaigns/lists/; put the file there and name it relative to that folder",
        ])
        expectNothingLeaks(problems)
        // Going out and back in is still inside.
        let spec = try fixture.load("back.json", #"{"contactsFile": "../lists/./people.csv"}"#)
        #expect(spec.contacts.map(\.target) == ["+15551230001"])
    }

    @Test func absolutePathOutsideListsIsRefused() throws {
        let fixture = try fixtureWithSecret()
        #expect(try fixture.problems("a.json", #"{"contactsFile": "/etc/passwd"}"#) == [
            "a.json:1: contactsFile: contacts file \"/etc/passwd\" is outside campaigns/lists/; put the file there and name it relative to that folder",
        ])
        let secret = fixture.directory.path + "/outside/secret.csv"
        expectNothingLeaks(try fixture.problems("b.json", #"{"contactsFile": "\#(secret)"}"#))
        // A file that does not exist outside is "outside" too, not "missing": the folder is the point.
        #expect(try fixture.problems("c.json", #"{"contactsFile": "/nonexistent/x.csv"}"#).first?.contains("is outside campaigns/lists/") == true)
        // An absolute path that ends inside lists/ is as good as the relative name.
        let inside = fixture.context.listsDirectory + "/people.csv"
        #expect(try fixture.load("d.json", #"{"contactsFile": "\#(inside)"}"#).contacts.count == 1)
    }

    @Test func symlinkOutOfListsIsRefused() throws {
        let fixture = try fixtureWithSecret()
        try FileManager.default.createSymbolicLink(
            atPath: fixture.context.listsDirectory + "/innocent.csv", withDestinationPath: fixture.directory.path + "/outside/secret.csv")
        try FileManager.default.createSymbolicLink(
            atPath: fixture.context.listsDirectory + "/up", withDestinationPath: "../..")
        let problems = try fixture.problems("s.json", #"{"contactsFile": "innocent.csv"}"#)
        #expect(problems == [
            "s.json:1: contactsFile: contacts file \"innocent.csv\" is outside campaigns/lists/; put the file there and name it relative to that folder",
        ])
        expectNothingLeaks(problems)
        expectNothingLeaks(try fixture.problems("d.json", #"{"contactsFile": "up/outside/secret.csv"}"#))
        // A symlink that stays inside lists/ is fine.
        try FileManager.default.createSymbolicLink(atPath: fixture.context.listsDirectory + "/alias.csv", withDestinationPath: "people.csv")
        #expect(try fixture.load("ok.json", #"{"contactsFile": "alias.csv"}"#).contacts.count == 1)
    }

    @Test func subfoldersOfListsAreInside() throws {
        let fixture = try LoaderFixture()
        _ = try fixture.write("lists/2027/spring.csv", "target\n+15551230001\n")
        #expect(try fixture.load("sub.json", #"{"contactsFile": "2027/spring.csv"}"#).contacts.count == 1)
    }

    @Test func aFIFOIsNotReadAsAList() throws {
        let fixture = try LoaderFixture()
        _ = try fixture.write("lists/people.csv", "target\n+15551230001\n")
        #expect(mkfifo(fixture.context.listsDirectory + "/pipe.csv", 0o600) == 0)
        #expect(try fixture.problems("p.json", #"{"contactsFile": "pipe.csv"}"#) == [
            "p.json:1: contactsFile: contacts file \"pipe.csv\" is not a regular file",
        ])
    }

    @Test func promptsStayInPrompts() throws {
        let fixture = try fixtureWithSecret()
        try FileManager.default.createSymbolicLink(
            atPath: fixture.context.promptsDirectory + "/hello.wav", withDestinationPath: fixture.directory.path + "/outside/secret.wav")
        let problems = try fixture.problems("p.json", """
            {"onHuman": {"play": "../../outside/secret.wav"},
             "onMachine": {"play": "/etc/passwd"},
             "contacts": [{"target": "+15551230001"}]}
            """)
        #expect(problems == [
            "p.json:1: onHuman.play: prompt \"../../outside/secret.wav\" is outside campaigns/prompts/; put the file there and name it relative to that folder",
            "p.json:2: onMachine.play: prompt \"/etc/passwd\" is outside campaigns/prompts/; put the file there and name it relative to that folder",
        ])
        #expect(try fixture.problems("s.json", #"{"onHuman": {"play": "hello.wav"}, "contacts": [{"target": "+15551230001"}]}"#) == [
            "s.json:1: onHuman.play: prompt \"hello.wav\" is outside campaigns/prompts/; put the file there and name it relative to that folder",
        ])
        // The configuration's defaults go through the same check.
        let defaults = try LoaderFixture(defaults: #"{"onMachine": {"play": "../../outside/secret.wav"}}"#)
        #expect(try defaults.problems("d.json", #"{"contacts": [{"target": "+15551230001"}]}"#).first?
            .contains("is outside campaigns/prompts/") == true)
    }
}

@Suite struct BoundedValidationTests {
    @Test func aMillionColumnHeaderIsRefusedAtOnce() throws {
        let fixture = try LoaderFixture()
        let path = try fixture.write("wide.csv", "target" + String(repeating: ",name", count: 999_999) + "\n+15551230001" + String(repeating: ",x", count: 999_999) + "\n")
        var problems: [String] = []
        let elapsed = ContinuousClock().measure {
            do {
                _ = try CampaignLoader(context: fixture.context).load(path: path)
                Issue.record("a 1,000,000-column list was accepted")
            } catch let failure as ValidationFailure {
                problems = failure.diagnostics.map(\.description)
            } catch {
                Issue.record("\(error)")
            }
        }
        #expect(problems == ["wide.csv:1: header has 1,000,000 columns; a contact list may have at most 1,000"])
        #expect(elapsed < .seconds(2), "issue 14 asks for under 2 s; took \(elapsed)")
    }

    @Test func theColumnLimitIsAThousand() throws {
        let fixture = try LoaderFixture()
        let names = (1..<1000).map { "c\($0)" }
        let spec = try fixture.load("wide.csv", (["target"] + names).joined(separator: ",") + "\n+15551230001" + String(repeating: ",v", count: 999) + "\n")
        #expect(spec.contacts.count == 1)
        #expect(try fixture.problems("wider.csv", (["target", "c1000"] + names).joined(separator: ",") + "\n") == [
            "wider.csv:1: header has 1,001 columns; a contact list may have at most 1,000",
        ])
    }

    @Test func duplicateColumnsAreListedUpToTwentyThenCounted() throws {
        let fixture = try LoaderFixture()
        let header = "target," + (0..<999).map { $0 % 2 == 0 ? "Name" : "name" }.joined(separator: ",")
        let problems = try fixture.problems("dup.csv", header + "\n")
        #expect(problems.count == 21)
        #expect(problems.first == "dup.csv:1: column \"name\" appears twice in the header")
        #expect(problems.last == "dup.csv:1: and 978 more problems in the header")
    }

    @Test func unknownSettingsAreListedUpToTwentyThenCounted() throws {
        // With defaults, so the merge of campaign over defaults runs over every key too.
        let fixture = try LoaderFixture(defaults: #"{"maxRetryNo": 1}"#)
        let keys = (0..<200_000).map { "\"k\($0)\": \($0)" }.joined(separator: ",")
        let problems = try fixture.problems("keys.json", "{" + keys + #", "contacts": [{"target": "+15551230001"}]}"#)
        #expect(problems.count == 21)
        #expect(problems.first == "keys.json:1: k0: unknown setting \"k0\"")
        #expect(problems.last == "keys.json:1: and 199,980 more unknown settings")
    }
}

@Suite struct ExcerptTests {
    @Test func shortValuesAreQuotedWhole() {
        #expect(Diagnostic.excerpt("555-12") == "\"555-12\"")
        #expect(Diagnostic.excerpt(String(repeating: "x", count: 40)) == "\"" + String(repeating: "x", count: 40) + "\"")
        // Characters, not bytes: 40 two-byte letters are still short.
        #expect(Diagnostic.excerpt(String(repeating: "é", count: 40)) == "\"" + String(repeating: "é", count: 40) + "\"")
    }

    @Test func longValuesAreCutWithTheirLength() {
        #expect(Diagnostic.excerpt(String(repeating: "x", count: 41)) == "\"" + String(repeating: "x", count: 40) + "…\" (41 characters)")
        #expect(Diagnostic.excerpt(String(repeating: "é", count: 1234)) == "\"" + String(repeating: "é", count: 40) + "…\" (1,234 characters)")
        #expect(Diagnostic.literal("900") == "900")
        #expect(Diagnostic.cut(String(repeating: "k", count: 50)) == String(repeating: "k", count: 40) + "…")
    }

    @Test(arguments: [(0, "0"), (999, "999"), (1000, "1,000"), (10_485_760, "10,485,760"), (-1234, "-1,234")])
    func groupedNumbers(number: Int, text: String) {
        #expect(Diagnostic.grouped(number) == text)
    }

    @Test func aTenMegabyteTargetIsCutInTheMessage() throws {
        let fixture = try LoaderFixture()
        let huge = String(repeating: "5551", count: 2_621_440)  // 10,485,760 characters
        let problems = try fixture.problems("big.csv", "target\n\(huge)\n+15551230001\n")
        #expect(problems == [
            "big.csv:2: target \"5551555155515551555155515551555155515551…\" (10,485,760 characters) is too long; a number or SIP URI has at most 256 characters",
        ])
        // Under the length limit, the value's own problem is reported, still cut.
        #expect(try fixture.problems("long.csv", "target\n\(String(repeating: "5", count: 200))\n") == [
            "long.csv:2: target \"\(String(repeating: "5", count: 40))…\" (200 characters) is a national number but no defaultCountryCode is set; write it as +<country code><number> or set defaultCountryCode",
        ])
        let json = try fixture.problems("big.json", #"{"contacts": [{"target": "sip:\#(huge)@x"}]}"#)
        #expect(json == [
            "big.json:1: contacts[0].target: target \"sip:555155515551555155515551555155515551…\" (10,485,766 characters) is too long; a number or SIP URI has at most 256 characters",
        ])
    }

    @Test func longSettingValuesKeysAndNumbersAreCut() throws {
        let fixture = try LoaderFixture()
        let long = String(repeating: "Z", count: 100_000)
        let digits = "500." + String(repeating: "0", count: 100_000)
        let problems = try fixture.problems("long.json", """
            {"timezone": "\(long)", "\(long)": 1, "maxRetryNo": \(digits), "trunk": "\(long)",
             "contacts": [{"target": "+15551230001", "caller": "\(long)"}]}
            """)
        let cutLong = "\"" + String(repeating: "Z", count: 40) + "…\" (100,000 characters)"
        #expect(problems == [
            "long.json:1: \(String(repeating: "Z", count: 40))…: unknown setting \(cutLong)",
            "long.json:1: timezone: \(cutLong) is not a known time zone; use an IANA name such as America/New_York",
            "long.json:1: maxRetryNo: \"500.\(String(repeating: "0", count: 36))…\" (100,004 characters) is out of range; expected 0 to 100",
            "long.json:1: trunk: trunk \(cutLong) is not configured; configured trunks: carrier, backup",
            "long.json:2: contacts[0].caller: caller \(cutLong) is not an E.164 number or SIP user name",
        ])
        #expect(try fixture.problems("overflow.json", #"{"maxRetryNo": 1\#(String(repeating: "0", count: 100_000))}"#) == [
            "overflow.json:1: invalid JSON: number \"1\(String(repeating: "0", count: 39))…\" (100,001 characters) is out of range",
        ])
    }
}
