import Foundation
import Testing
@testable import Scheduler

/// The calling policy inside the real dispatcher and store, on a manual clock: caps per number
/// across campaigns and restarts, and the zones each attempt records.
@Suite(.serialized) struct ComplianceDispatchTests {
    typealias Fixture = DispatcherTests.Fixture

    static func utc(_ text: String) -> Date { CallingPolicyTests.utc(text) }

    func dispatcher(_ fixture: Fixture, _ dialer: ScriptedDialer, clock: ManualClock, cap: Int?,
                    rules: [CallingRule] = []) -> Dispatcher<ManualClock> {
        Dispatcher(store: fixture.store, dialer: dialer, cdr: fixture.cdr, clock: clock, configuration: .init(
            globalRate: 1000, globalMaxConcurrentCalls: 0, defaultTimeZone: TimeZone(identifier: "UTC")!,
            refreshInterval: .milliseconds(100), callingRules: rules, maxAttemptsPerNumberPerDay: cap))
    }

    /// Each contact's state and next due time, by campaign.
    func contacts(_ fixture: Fixture) throws -> [String: (state: String, due: Date)] {
        let local = try QueueStore(dataDirectory: fixture.directory.path + "/var")
        let query = try local.connection.prepare("""
            SELECT c.id, contacts.state, contacts.next_attempt_at FROM contacts JOIN campaigns c ON c.key = contacts.campaign_key
            """)
        var out: [String: (String, Date)] = [:]
        while try query.step() { out[query.text(0) ?? ""] = (query.text(1) ?? "", Date(timeIntervalSince1970: Double(query.int(2)) / 1000)) }
        return out
    }

    /// 08:00-21:00 in the callee's zones, as a campaign without a window has.
    static func daytime(_ settings: inout CampaignSettings) {
        settings.window = CallingWindowSettings()
    }

    @Test func theCapPerNumberHoldsAcrossCampaignsAndRestarts() async throws {
        let fixture = try await Fixture()
        let number = "+12125550100"  // New York
        try fixture.importCampaign("spring", targets: [number], configure: Self.daytime)
        try fixture.importCampaign("summer", targets: [number], configure: Self.daytime)
        // Wednesday 2026-11-18 10:00 EST.
        let clock = ManualClock(origin: Self.utc("2026-11-18T15:00:00"))
        let dialer = ScriptedDialer()
        let firstRun = dispatcher(fixture, dialer, clock: clock, cap: 1)
        let first = try await runAdvancing(clock, step: .milliseconds(100)) { try await firstRun.run(.once(until: Self.utc("2026-11-18T16:00:00"))) }
        #expect(first.attempts == 1)
        #expect(dialer.targets == [number])
        // The other campaign's contact waits for the next local day's opening: 08:00 EST on the 19th.
        let afterFirst = try contacts(fixture)
        let waiting = try #require(afterFirst.first { $0.value.state == "pending" })
        #expect(waiting.value.due == Self.utc("2026-11-19T13:00:00"))

        // A restart the same evening (a new store connection and dispatcher) with a third campaign:
        // the number's attempt today is still counted, so nobody calls it.
        try fixture.importCampaign("autumn", targets: [number], configure: Self.daytime)
        let evening = ManualClock(origin: Self.utc("2026-11-18T23:00:00"))
        let restarted = try Fixture.reopened(fixture)
        let secondRun = dispatcher(restarted, dialer, clock: evening, cap: 1)
        let second = try await runAdvancing(evening, step: .milliseconds(100)) { try await secondRun.run(.once(until: Self.utc("2026-11-19T00:00:00"))) }
        #expect(second.attempts == 0)
        #expect(try contacts(fixture)["autumn"]?.due == Self.utc("2026-11-19T13:00:00"))

        // The next morning one more call, to one of the two that waited; the other waits for the 20th.
        let morning = ManualClock(origin: Self.utc("2026-11-19T13:00:00"))
        let thirdRun = dispatcher(restarted, dialer, clock: morning, cap: 1)
        let third = try await runAdvancing(morning, step: .milliseconds(100)) { try await thirdRun.run(.once(until: Self.utc("2026-11-19T14:00:00"))) }
        #expect(third.attempts == 1)
        let states = try contacts(fixture).values
        #expect(states.filter { $0.state == "done" }.count == 2)
        #expect(states.filter { $0.state == "pending" }.map(\.due) == [Self.utc("2026-11-20T13:00:00")])
    }

    @Test func aRulesCapAndWindowApplyToItsPrefixesOnly() async throws {
        let fixture = try await Fixture()
        let miami = "+13055550100", boston = "+16175550100"
        try fixture.importCampaign("late", targets: [miami, boston]) {
            $0.window = CallingWindowSettings()
            $0.maxRetryNo = 3
            $0.retryIntervalSec = 60
        }
        var window = CallingRule.allDay
        window.start = 8 * 60
        window.end = 20 * 60
        let florida = CallingRule(name: "florida", prefixes: ["+1305"], window: window, maxAttemptsPerDay: 3)
        // 20:30 EST: Boston may still be called, Miami not (the rule's 20:00).
        let clock = ManualClock(origin: Self.utc("2026-11-19T01:30:00"))
        let dialer = ScriptedDialer()
        let run = dispatcher(fixture, dialer, clock: clock, cap: nil, rules: [florida])
        _ = try await runAdvancing(clock, step: .milliseconds(100)) { try await run.run(.once(until: Self.utc("2026-11-19T01:31:00"))) }
        #expect(dialer.targets == [boston])
        let lines = try fixture.cdrLines()
        #expect(lines.count == 1)
        #expect(lines.first?["timeZones"] as? [String] == ["America/New_York"])
        #expect(lines.first?["zoneSource"] as? String == "number")
        // `status` counts the campaign's attempts by where their zones came from.
        let statuses = try QueueStore(dataDirectory: fixture.directory.path + "/var").campaignStatuses()
        #expect(statuses.first?.attemptsByZoneSource == [.number: 1])
    }
}

extension DispatcherTests.Fixture {
    /// The same data directory through a new writer connection, as after a restart.
    static func reopened(_ other: Self) throws -> Self {
        try Self(directory: other.directory, store: QueueWriter(dataDirectory: other.directory.path + "/var"),
                 cdr: CDRWriter(dataDirectory: other.directory.path + "/var"))
    }

    init(directory: TestDirectory, store: QueueWriter, cdr: CDRWriter) {
        self.directory = directory
        self.store = store
        self.cdr = cdr
    }
}
