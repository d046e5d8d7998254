import Foundation
import Testing
@testable import Scheduler

/// A whole day of dialing, 00:00-24:00 UTC, through the real dispatcher and store on a manual clock:
/// 10,000 US contacts over every US area code in the time-zone table, in two campaigns of the same
/// 5,000 numbers, a cap of one attempt per number per day (every campaign together), a morning window (08:00-12:00 local, so that at
/// 00:00 UTC every US zone is shut and each opens at its own hour). The audit must find nothing
/// outside a window and nobody over the cap, and the calls per hour must follow the zones' openings.
@Suite(.serialized) struct SimulatedDayTests {
    /// Numbers in each of the two campaigns: about seventeen per US area code (fewer leave the
    /// zones with one area code, Alaska's and Hawaii's, too few calls to show their opening hour).
    static let numbersPerCampaign = 5_000

    /// The zones of the fifty states (territories and Canada left out).
    static let usZones: Set<String> = [
        "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Boise", "America/Los_Angeles",
        "America/North_Dakota/Center", "America/Anchorage", "America/Juneau", "America/Adak", "Pacific/Honolulu",
    ]

    /// Area codes (`1NXX`) every one of whose table entries is in a US zone.
    static func usAreaCodes() -> [String] {
        let text = TimeZoneTable.embeddedMapData
        var zonesByAreaCode: [String: Set<String>] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("1") {
            let parts = line.split(separator: "|")
            guard parts.count == 2, parts[0].count >= 4 else { continue }
            zonesByAreaCode[String(parts[0].prefix(4)), default: []].formUnion(parts[1].split(separator: "&").map(String.init))
        }
        return zonesByAreaCode.filter { $0.value.isSubset(of: usZones) }.keys.sorted()
    }

    @Test func aDayOfCallsStaysInsideEveryZonesWindowAndUnderTheCap() async throws {
        let areaCodes = Self.usAreaCodes()
        #expect(areaCodes.count > 250)
        // A fixed sequence of subscriber numbers (a linear congruential generator), so runs repeat.
        var seed: UInt64 = 0x5EED
        func subscriber() -> String {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return String(format: "%07d", 2_000_000 + Int((seed >> 33) % 7_000_000))
        }
        var numbers: [String] = []
        var seen = Set<String>()
        while numbers.count < Self.numbersPerCampaign {
            let number = "+" + areaCodes[numbers.count % areaCodes.count] + subscriber()
            if seen.insert(number).inserted { numbers.append(number) }
        }
        let fixture = try await DispatcherTests.Fixture()
        let mornings: (inout CampaignSettings) -> Void = {
            $0.window = CallingWindowSettings()
            $0.window.end = 12 * 60
        }
        try fixture.importCampaign("national", targets: numbers, configure: mornings)
        try fixture.importCampaign("follow-up", targets: numbers.reversed(), configure: mornings)

        // Wednesday 2026-11-18, all day; up to 2,000 calls a second.
        let start = CallingPolicyTests.utc("2026-11-18T00:00:00")
        let end = start.addingTimeInterval(86_400)
        let clock = ManualClock(origin: start)
        let configuration = Dispatcher<ManualClock>.Configuration(
            globalRate: 2000, globalMaxConcurrentCalls: 0, defaultTimeZone: TimeZone(identifier: "UTC")!,
            refreshInterval: .seconds(300), maxAttemptsPerNumberPerDay: 1)
        let dispatcher = Dispatcher(store: fixture.store, dialer: ScriptedDialer(callDuration: .zero), cdr: fixture.cdr, clock: clock,
                                    configuration: configuration)
        let began = Date()
        let summary = try await runJumping(clock) { try await dispatcher.run(.once(until: end)) }
        let seconds = Date().timeIntervalSince(began)

        let store = try QueueStore(dataDirectory: fixture.directory.path + "/var")
        let audit = ComplianceAudit(try store.auditedAttempts(campaignID: nil), policy: configuration.callingPolicy)
        #expect(audit.attemptsChecked == summary.attempts)
        #expect(audit.outside.isEmpty, "\(audit.outside.prefix(5))")
        #expect(audit.overCap.isEmpty)
        #expect(audit.maxAttemptsPerNumberPerDay == 1)
        // Every number was called once; the second contact of each shared number waits for its next local day.
        #expect(summary.attempts == numbers.count)
        let waiting = try store.connection.prepare("SELECT COUNT(*), MIN(next_attempt_at) FROM contacts WHERE state = 'pending'")
        #expect(try waiting.step())
        #expect(waiting.int(0) == Self.numbersPerCampaign)
        // The earliest next-day opening of any US zone: 08:00 EST on the 19th.
        #expect(waiting.int(1) >= Int64(CallingPolicyTests.utc("2026-11-19T13:00:00").timeIntervalSince1970 * 1000))

        // Calls per hour (UTC) and, for numbers in one zone, per zone.
        var perHour = Array(repeating: 0, count: 24)
        var perZoneHour: [String: [Int]] = [:]
        let table = TimeZoneTable.libphonenumber
        let rows = try store.connection.prepare("SELECT target, start_time FROM attempts")
        while try rows.step() {
            let hour = Int((rows.int(1) - Int64(start.timeIntervalSince1970 * 1000)) / 3_600_000)
            perHour[hour] += 1
            if let zones = table.match(rows.text(0) ?? "")?.zones, zones.count == 1 {
                perZoneHour[zones[0], default: Array(repeating: 0, count: 24)][hour] += 1
            }
        }
        // 08:00 in New York is 13:00 UTC, 12:00 in Honolulu 22:00 UTC: no call outside those hours.
        #expect(perHour[0..<13].allSatisfy { $0 == 0 } && perHour[22..<24].allSatisfy { $0 == 0 }, "\(perHour)")
        // Each zone's calls come in its own four morning hours (winter time, in UTC): New York from 13:00,
        // Chicago 14:00, Denver and Phoenix 15:00, Los Angeles 16:00, Juneau 17:00, Honolulu 18:00,
        // and they start on the hour it opens.
        for (zone, opens) in [("America/New_York", 13), ("America/Chicago", 14), ("America/Denver", 15), ("America/Phoenix", 15),
                              ("America/Los_Angeles", 16), ("America/Juneau", 17), ("Pacific/Honolulu", 18)] {
            let hours = perZoneHour[zone] ?? Array(repeating: 0, count: 24)
            #expect(hours[opens] > 0, "\(zone): \(hours)")
            #expect(hours.enumerated().allSatisfy { $0.element == 0 || (opens..<opens + 4).contains($0.offset) }, "\(zone): \(hours)")
        }
        // The HTML report shows the same: its calls-per-hour chart has the zones' hours, its audit says zero.
        var report = CampaignReport(campaignID: "national", name: nil, records: try store.finishedAttempts(campaignID: "national"))
        report.compliance = ComplianceAudit(try store.auditedAttempts(campaignID: "national"), policy: configuration.callingPolicy, scope: "national")
        #expect(report.callsByHour[0..<13].allSatisfy { $0 == 0 } && report.callsByHour[13] > 0)
        #expect(report.html.contains("Attempts outside a window</div><div class=\"value\">0</div>"))
        #expect(report.html.contains("Numbers over their cap</div><div class=\"value\">0</div>"))
        print("simulated day: \(summary.attempts) calls in \(String(format: "%.1f", seconds)) s; calls per UTC hour: \(perHour)")
    }
}

/// Runs `body` while moving `clock` straight to the earliest sleeper's deadline whenever someone
/// sleeps: a simulated day takes as many steps as the dispatcher has waits, not one per tick.
func runJumping<T: Sendable>(_ clock: ManualClock, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline {
                if let next = clock.nextDeadline { clock.advance(by: max(clock.now.duration(to: next), .zero)) }
                try await Task.sleep(for: .microseconds(500))
            }
            Issue.record("the dispatcher did not finish within 120 s (manual clock at \(clock.date(at: clock.now)))")
            throw CancellationError()
        }
        defer { group.cancelAll() }
        while let result = try await group.next() {
            if let result { return result }
        }
        throw CancellationError()
    }
}
