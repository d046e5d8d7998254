import Foundation
import Testing
@testable import Scheduler

@Suite struct ComplianceAuditTests {
    static func ms(_ text: String) -> Int64 { Int64(CallingPolicyTests.utc(text).timeIntervalSince1970 * 1000) }

    @Test func attemptsOutsideAnyZonesWindowAndNumbersOverTheirCapAreListed() {
        var policy = CallingPolicy(defaultZone: TimeZone(identifier: "UTC")!, maxAttemptsPerNumberPerDay: 2)
        policy.rules = [CallingRule(name: "florida", prefixes: ["+1305"], window: {
            var window = CallingRule.allDay
            window.end = 20 * 60
            return window
        }(), maxAttemptsPerDay: 1)]
        let settings = CampaignSettings()  // 08:00-21:00
        func attempt(_ target: String, _ time: String, campaign: String = "spring", audited: Bool = true) -> ComplianceAudit.Attempt {
            ComplianceAudit.Attempt(campaignID: campaign, attempt: 1, target: target, contactZone: nil, startTime: Self.ms(time),
                                    settings: settings, audited: audited)
        }
        let audit = ComplianceAudit([
            // +1 208 299 9…: 15:30 UTC on 2026-11-18 is 08:30 in Boise but 07:30 in Los Angeles.
            attempt("+12082999999", "2026-11-18T15:30:00"),
            attempt("+12082999999", "2026-11-18T16:30:00"),
            // Miami 20:30 EST: inside the campaign's window, outside Florida's.
            attempt("+13055550100", "2026-11-19T01:30:00"),
            // Miami again the same local day (the 18th), from another campaign not audited: over the rule's cap of 1.
            attempt("+13055550100", "2026-11-18T15:00:00", campaign: "other", audited: false),
            // New York three times on its 18th (the last at 23:30 EST, the 19th in UTC): over the cap of 2.
            attempt("+12125550100", "2026-11-18T14:00:00"),
            attempt("+12125550100", "2026-11-18T18:00:00"),
            attempt("+12125550100", "2026-11-19T01:59:00"),
        ], policy: policy, scope: "spring")
        #expect(audit.attemptsChecked == 6)
        #expect(audit.outside.map(\.target) == ["+12082999999", "+13055550100"])
        #expect(audit.outside.first?.closedIn == ["campaign window in America/Los_Angeles at 2026-11-18 07:30"])
        #expect(audit.outside.last?.closedIn == ["rule florida in America/New_York at 2026-11-18 20:30"])
        #expect(audit.maxAttemptsPerNumberPerDay == 3)
        #expect(audit.cap == 2)
        #expect(audit.overCap == [
            .init(target: "+12125550100", day: "2026-11-18", attempts: 3, cap: 2),
            .init(target: "+13055550100", day: "2026-11-18", attempts: 2, cap: 1),
        ])
        #expect(audit.text.contains("attempts outside a calling window: 2"))
        #expect(audit.text.contains("most attempts to one number in one local day: 3 (cap: 2)"))
        let json = try? JSONSerialization.jsonObject(with: Data(audit.json.utf8)) as? [String: Any]
        #expect((json?["outsideWindow"] as? [Any])?.count == 2)
        #expect(json?["maxAttemptsPerNumberPerDay"] as? Int == 3)
    }

    @Test func aCleanRunSaysZeroAndTheCap() {
        let policy = CallingPolicy(defaultZone: TimeZone(identifier: "UTC")!, maxAttemptsPerNumberPerDay: 3)
        let audit = ComplianceAudit([
            ComplianceAudit.Attempt(campaignID: "a", attempt: 1, target: "+12125550100", contactZone: nil,
                                    startTime: Self.ms("2026-11-18T14:00:00"), settings: CampaignSettings()),
        ], policy: policy)
        #expect(audit.text == """
            compliance audit of every campaign
            attempts checked: 1
            attempts outside a calling window: 0
            most attempts to one number in one local day: 1 (cap: 3)
            numbers over their cap: 0
            """)
    }
}
