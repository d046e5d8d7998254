import Foundation
import Testing
@testable import Scheduler

/// The calling policy as event → decision: a contact and a moment in, "call" or "not before T" out.
/// Times are UTC instants worked out by hand from the zones' offsets on those dates.
@Suite struct CallingPolicyTests {
    static func utc(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        guard let date = formatter.date(from: text + "Z") else { preconditionFailure("bad test time \(text)") }
        return date
    }

    let policy = CallingPolicy(defaultZone: TimeZone(identifier: "America/New_York")!)
    /// 08:00-21:00 every day, in the callee's zones.
    let campaign = CampaignSettings()

    func decide(_ target: String, contactZone: String? = nil, settings: CampaignSettings? = nil, policy: CallingPolicy? = nil,
                at time: String, attempts: [Date] = []) -> CallingPolicy.Decision {
        let policy = policy ?? self.policy
        let contact = policy.contact(target: target, contactZone: contactZone, settings: settings ?? campaign)
        return policy.decide(contact, at: Self.utc(time)) { day in attempts.filter { day.contains($0) && $0 < day.end }.count }
    }

    static let idaho = CallingPolicy.Zones(["America/Boise", "America/Los_Angeles"], source: .number)

    // +1 208 299 9…: Boise (Mountain) and Los Angeles (Pacific) time; the window must be open in both.
    // 2026-03-08, DST starts at 02:00 local: Boise 08:00 MDT = 14:00 UTC, Los Angeles 08:00 PDT = 15:00 UTC.
    // The day before, in standard time: Boise 08:00 MST = 15:00 UTC, Los Angeles 08:00 PST = 16:00 UTC.
    @Test func aSplitZonePrefixOpensWhenItsLastZoneOpensAcrossTheSpringChange() {
        #expect(decide("+12082999999", at: "2026-03-07T15:30:00") == .wait(until: Self.utc("2026-03-07T16:00:00"), reason: .windowClosed, Self.idaho))
        #expect(decide("+12082999999", at: "2026-03-07T16:00:00") == .call(Self.idaho))
        // Saturday 21:00 MST in Boise is 04:00 UTC Sunday: Boise has closed, Los Angeles (20:00) has not.
        // The next opening is Sunday's, already on summer time in both.
        #expect(decide("+12082999999", at: "2026-03-08T04:00:00") == .wait(until: Self.utc("2026-03-08T15:00:00"), reason: .windowClosed, Self.idaho))
        #expect(decide("+12082999999", at: "2026-03-08T14:30:00") == .wait(until: Self.utc("2026-03-08T15:00:00"), reason: .windowClosed, Self.idaho))
        #expect(decide("+12082999999", at: "2026-03-08T15:00:00") == .call(Self.idaho))
        // Sunday 21:00 MDT in Boise = 03:00 UTC Monday.
        #expect(decide("+12082999999", at: "2026-03-09T02:59:00") == .call(Self.idaho))
        #expect(decide("+12082999999", at: "2026-03-09T03:00:00") == .wait(until: Self.utc("2026-03-09T15:00:00"), reason: .windowClosed, Self.idaho))
    }

    // 2026-11-01, DST ends at 02:00 local: Boise 08:00 MST = 15:00 UTC, Los Angeles 08:00 PST = 16:00 UTC;
    // the day before (summer time) 14:00 and 15:00 UTC.
    @Test func aSplitZonePrefixAcrossTheAutumnChange() {
        #expect(decide("+12082999999", at: "2026-10-31T14:30:00") == .wait(until: Self.utc("2026-10-31T15:00:00"), reason: .windowClosed, Self.idaho))
        // Saturday 21:00 MDT in Boise = 03:00 UTC Sunday; Sunday's opening is on winter time: 16:00 UTC.
        #expect(decide("+12082999999", at: "2026-11-01T03:00:00") == .wait(until: Self.utc("2026-11-01T16:00:00"), reason: .windowClosed, Self.idaho))
        #expect(decide("+12082999999", at: "2026-11-01T15:30:00") == .wait(until: Self.utc("2026-11-01T16:00:00"), reason: .windowClosed, Self.idaho))
        #expect(decide("+12082999999", at: "2026-11-01T16:00:00") == .call(Self.idaho))
        // Sunday 21:00 MST in Boise = 04:00 UTC Monday (an hour later than in summer).
        #expect(decide("+12082999999", at: "2026-11-02T03:30:00") == .call(Self.idaho))
        #expect(decide("+12082999999", at: "2026-11-02T04:00:00") == .wait(until: Self.utc("2026-11-02T16:00:00"), reason: .windowClosed, Self.idaho))
    }

    @Test func aContactsOwnTimeZoneWinsOverItsNumber() {
        // A New York number whose contact lives in Los Angeles: 08:30 in New York is 05:30 there.
        let la = CallingPolicy.Zones(["America/Los_Angeles"], source: .contact)
        #expect(decide("+12125550100", contactZone: "America/Los_Angeles", at: "2026-11-18T13:30:00")
            == .wait(until: Self.utc("2026-11-18T16:00:00"), reason: .windowClosed, la))
        #expect(decide("+12125550100", at: "2026-11-18T13:30:00") == .call(.init(["America/New_York"], source: .number)))
        // 21:30 in New York, 18:30 in Los Angeles.
        #expect(decide("+12125550100", contactZone: "America/Los_Angeles", at: "2026-11-19T02:30:00") == .call(la))
    }

    @Test func anUnknownAreaCodeIsCalledOnlyWhenEveryZoneOfItsCountryIsOpen() throws {
        // +1 999 is in no area code of the table: all 42 zones of +1, Guam (UTC+10) to Pago Pago (UTC-11).
        // The last to open is Guam, 08:00 ChST = 22:00 UTC; the first to close St John's, 21:00 NST = 00:30 UTC.
        let contact = policy.contact(target: "+19995550100", contactZone: nil, settings: campaign)
        #expect(contact.zones.source == .number)
        #expect(contact.zones.identifiers.count == 42)
        guard case .wait(let until, .windowClosed, _) = decide("+19995550100", at: "2026-11-18T20:00:00") else {
            Issue.record("expected a wait")
            return
        }
        #expect(until == Self.utc("2026-11-18T22:00:00"))
        #expect(decide("+19995550100", at: "2026-11-19T00:29:00") == .call(contact.zones))
        guard case .wait(let next, .windowClosed, _) = decide("+19995550100", at: "2026-11-19T00:30:00") else {
            Issue.record("expected a wait")
            return
        }
        #expect(next == Self.utc("2026-11-19T22:00:00"))
    }

    @Test func withoutAZoneFromTheNumberTheCampaignsThenTheDefaultApply() {
        var settings = campaign
        settings.timezone = "Europe/Berlin"
        #expect(policy.zones(target: "sip:alice@example.com", contactZone: nil, settings: settings) == .init(["Europe/Berlin"], source: .campaign))
        #expect(policy.zones(target: "sip:alice@example.com", contactZone: nil, settings: campaign) == .init(["America/New_York"], source: .default))
        // The number still wins over the campaign's zone.
        #expect(policy.zones(target: "+13055550100", contactZone: nil, settings: settings) == .init(["America/New_York"], source: .number))
    }

    static let florida = CallingRule(name: "florida", prefixes: ["+1305", "+1786"], window: {
        var window = CallingRule.allDay
        window.start = 8 * 60
        window.end = 20 * 60
        return window
    }(), maxAttemptsPerDay: 3)

    @Test func theStricterOfCampaignWindowAndRuleWins() {
        var policy = self.policy
        policy.rules = [Self.florida]
        var settings = campaign
        settings.window.start = 9 * 60  // the campaign: 09:00-21:00; the rule: 08:00-20:00
        let miami = CallingPolicy.Zones(["America/New_York"], source: .number)
        // 08:30 EST: the rule allows it, the campaign does not.
        #expect(decide("+13055550100", settings: settings, policy: policy, at: "2026-11-18T13:30:00")
            == .wait(until: Self.utc("2026-11-18T14:00:00"), reason: .windowClosed, miami))
        #expect(decide("+13055550100", settings: settings, policy: policy, at: "2026-11-18T14:00:00") == .call(miami))
        // 20:30 EST: the campaign allows it, the rule does not: tomorrow at 09:00.
        #expect(decide("+13055550100", settings: settings, policy: policy, at: "2026-11-19T01:30:00")
            == .wait(until: Self.utc("2026-11-19T14:00:00"), reason: .windowClosed, miami))
        // New York numbers are not Florida's: 20:30 is fine.
        #expect(decide("+12125550100", settings: settings, policy: policy, at: "2026-11-19T01:30:00") == .call(miami))
    }

    @Test func quietDatesOfTheCampaignAndOfARule() {
        var settings = campaign
        settings.window.exceptDates = ["2026-12-25"]
        let ny = CallingPolicy.Zones(["America/New_York"], source: .number)
        // Christmas Day 10:00 EST: closed until the 26th at 08:00 EST.
        #expect(decide("+12125550100", settings: settings, at: "2026-12-25T15:00:00")
            == .wait(until: Self.utc("2026-12-26T13:00:00"), reason: .windowClosed, ny))
        // 2026-12-25 in New York is over at 05:00 UTC on the 26th, in Los Angeles at 08:00 UTC: the date is local.
        #expect(decide("+13105550100", settings: settings, at: "2026-12-26T04:30:00")
            == .wait(until: Self.utc("2026-12-26T16:00:00"), reason: .windowClosed, .init(["America/Los_Angeles"], source: .number)))
        // A window open all day every day still keeps its quiet dates.
        var allDay = campaign
        allDay.window = CallingRule.allDay
        allDay.window.exceptDates = ["2026-12-25"]
        #expect(decide("+12125550100", settings: allDay, at: "2026-12-25T15:00:00")
            == .wait(until: Self.utc("2026-12-26T05:00:00"), reason: .windowClosed, ny))
        allDay.window.exceptDates = nil
        #expect(decide("+12125550100", settings: allDay, at: "2026-12-25T15:00:00") == .call(ny))
        var policy = self.policy
        var rule = Self.florida
        rule.window.exceptDates = ["2026-11-26", "2026-11-27"]
        policy.rules = [rule]
        #expect(decide("+13055550100", policy: policy, at: "2026-11-26T15:00:00")
            == .wait(until: Self.utc("2026-11-28T13:00:00"), reason: .windowClosed, ny))
        #expect(decide("+12125550100", policy: policy, at: "2026-11-26T15:00:00") == .call(ny))
    }

    @Test func aCappedNumberWaitsForItsNextLocalDay() {
        var policy = self.policy
        policy.maxAttemptsPerNumberPerDay = 2
        let ny = CallingPolicy.Zones(["America/New_York"], source: .number)
        let earlier = [Self.utc("2026-11-18T14:00:00"), Self.utc("2026-11-18T15:00:00")]
        #expect(decide("+12125550100", policy: policy, at: "2026-11-18T16:00:00", attempts: [earlier[0]]) == .call(ny))
        #expect(decide("+12125550100", policy: policy, at: "2026-11-18T16:00:00", attempts: earlier)
            == .wait(until: Self.utc("2026-11-19T13:00:00"), reason: .dailyCapReached(limit: 2), ny))
        // 23:30 EST is still the 18th in New York, though the 19th in UTC.
        #expect(decide("+12125550100", policy: policy, at: "2026-11-19T04:30:00", attempts: earlier)
            == .wait(until: Self.utc("2026-11-19T13:00:00"), reason: .dailyCapReached(limit: 2), ny))
        // A rule's lower cap wins for its numbers.
        policy.rules = [CallingRule(name: "once", prefixes: ["+1212"], maxAttemptsPerDay: 1)]
        #expect(decide("+12125550100", policy: policy, at: "2026-11-18T16:00:00", attempts: [earlier[0]])
            == .wait(until: Self.utc("2026-11-19T13:00:00"), reason: .dailyCapReached(limit: 1), ny))
    }

    @Test func aFixedCampaignZoneKeepsRulesInTheCalleesZones() {
        var policy = self.policy
        policy.rules = [Self.florida]
        var settings = campaign
        settings.window.timezone = "America/Los_Angeles"
        settings.window.end = 24 * 60
        // 21:30 EST in Miami, 18:30 in Los Angeles: the campaign's window is open, Florida's rule is not.
        #expect(decide("+13055550100", settings: settings, policy: policy, at: "2026-11-19T02:30:00")
            == .wait(until: Self.utc("2026-11-19T16:00:00"), reason: .windowClosed, .init(["America/New_York"], source: .number)))
    }
}
