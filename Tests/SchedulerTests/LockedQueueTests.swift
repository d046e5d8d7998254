import Foundation
import Telephony
import Testing
@testable import Scheduler

/// `LockedDatabaseBackoff`: when the writer tries again and when it warns, on a manual clock.
@Suite struct LockedDatabaseBackoffTests {
    typealias Backoff = LockedDatabaseBackoff<ManualClock>
    let start = ManualClock.Instant(offset: .zero)

    func at(_ milliseconds: Int) -> ManualClock.Instant { start.advanced(by: .milliseconds(milliseconds)) }

    @Test func delaysDoubleFromTheFirstUpToTheCap() {
        var backoff = Backoff(firstDelay: .milliseconds(100), maxDelay: .seconds(2), warnInterval: .seconds(15))
        var now = 5000
        var delays: [Duration] = []
        for _ in 0..<8 {
            let retry = backoff.tryFailed(startedAt: at(now - 250), now: at(now))
            delays.append(retry.after)
            now += 1000
        }
        #expect(delays == [100, 200, 400, 800, 1600, 2000, 2000, 2000].map { .milliseconds($0) })
    }

    @Test func aThousandFailedTriesStillWaitTheCap() {
        var backoff = Backoff(firstDelay: .milliseconds(100), maxDelay: .seconds(2))
        var last = Duration.zero
        for index in 0..<1000 { last = backoff.tryFailed(startedAt: at(index), now: at(index)).after }
        #expect(last == .seconds(2))
    }

    @Test func lockedForCountsFromTheStartOfTheFirstFailedTry() {
        var backoff = Backoff()
        #expect(!backoff.isLocked)
        // The first try waited the whole 5 s busy timeout before it failed.
        let first = backoff.tryFailed(startedAt: at(1000), now: at(6000))
        #expect(first.lockedFor == .seconds(5))
        #expect(backoff.isLocked)
        let second = backoff.tryFailed(startedAt: at(6100), now: at(6350))
        #expect(second.lockedFor == .milliseconds(5350))
        // Gone: how long it lasted, as far as the writer saw it, and a fresh start after.
        #expect(backoff.trySucceeded(now: at(9000)) == .seconds(8))
        #expect(!backoff.isLocked)
        #expect(backoff.trySucceeded(now: at(9100)) == nil)
        let again = backoff.tryFailed(startedAt: at(20_000), now: at(25_000))
        #expect(again.lockedFor == .seconds(5))
        #expect(again.after == .milliseconds(100))
        #expect(again.warn)
    }

    @Test func warnsWhenFoundThenOncePerInterval() {
        var backoff = Backoff(firstDelay: .milliseconds(500), maxDelay: .milliseconds(500), warnInterval: .seconds(15))
        var warnings: [Int] = []
        // A try every 500 ms (plus its 250 ms in SQLite) for 40 s.
        var now = 5000
        while now < 45_000 {
            if backoff.tryFailed(startedAt: at(now - 250), now: at(now)).warn { warnings.append(now) }
            now += 750
        }
        #expect(warnings == [5000, 20_000, 35_000])
    }

    @Test func triesWaitBrieflyInSQLiteOnlyWhileTheLockIsKnown() {
        var backoff = Backoff(tryTimeout: .milliseconds(250))
        #expect(backoff.nextTryTimeout(busyTimeout: .seconds(5)) == .seconds(5))
        _ = backoff.tryFailed(startedAt: at(0), now: at(5000))
        #expect(backoff.nextTryTimeout(busyTimeout: .seconds(5)) == .milliseconds(250))
        #expect(backoff.nextTryTimeout(busyTimeout: .milliseconds(100)) == .milliseconds(100))
        _ = backoff.trySucceeded(now: at(6000))
        #expect(backoff.nextTryTimeout(busyTimeout: .seconds(5)) == .seconds(5))
    }
}

/// The queue's writer while another connection holds the database's write lock (as an operator's
/// `sqlite3` shell in `BEGIN IMMEDIATE` would): a call's end is kept and committed once, claims are
/// refused. Each test waits out one busy timeout (5 s) before the writer finds the lock.
@Suite(.serialized) struct LockedQueueWriterTests {
    // @unchecked Sendable: `lock` guards `list`.
    final class Events: @unchecked Sendable {
        private let lock = NSLock()
        private var list: [QueueWriter.Event] = []
        func add(_ event: QueueWriter.Event) { lock.withLock { list.append(event) } }
        var all: [QueueWriter.Event] { lock.withLock { list } }
        var locked: [(lockedFor: Duration, waitingWrites: Int)] {
            all.compactMap { if case .locked(_, let lockedFor, let waiting, _) = $0 { (lockedFor, waiting) } else { nil } }
        }
        var unlocked: [Int] { all.compactMap { if case .unlocked(_, _, let writes) = $0 { writes } else { nil } } }
    }

    struct Fixture {
        let directory: TestDirectory
        let events = Events()
        let writer: QueueWriter
        let campaign: DispatchCampaign

        init() throws {
            directory = try TestDirectory()
            let local = try QueueStore(dataDirectory: directory.path)
            var settings = CampaignSettings()
            settings.maxRetryNo = 0
            _ = try local.importCampaign(CampaignSpec(
                id: "locked", sourceFile: "locked.csv", settings: settings,
                contacts: ["+15551230001", "+15551230002", "+15551230003"].enumerated().map { ContactSpec(target: $0.element, line: $0.offset + 2) },
                duplicateCount: 0, contentHash: "locked"))
            let events = self.events
            writer = try QueueWriter(dataDirectory: directory.path) { events.add($0) }
            campaign = try #require(try local.activeCampaigns().first)
        }

        /// Another connection holding the write lock until `release()`.
        func lockDatabase() throws -> SQLiteConnection {
            let holder = try SQLiteConnection(path: directory.path + "/campaignd.db")
            try holder.execute("BEGIN IMMEDIATE")
            return holder
        }

        func count(_ sql: String) throws -> Int {
            Int(try QueueStore(dataDirectory: directory.path).connection.scalarText(sql) ?? "-1") ?? -1
        }

        /// Waits (bounded) until `condition` holds. The bound is generous: the busy timeout is 5 s,
        /// and a full test run on 2 cores has starved the writer's task of a thread for 10 s and more.
        func waitFor(seconds: Double = 40, _ condition: () -> Bool) async throws {
            let deadline = Date().addingTimeInterval(seconds)
            while !condition(), Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        }
    }

    static let answered = CallResult(outcome: CallOutcome(status: .completed, reasonCode: .clientDisconnected), sipCallID: "call-1@test",
                                     startTime: 1_000, ringTime: 1_100, connectTime: 1_200, disconnectTime: 2_000)

    @Test func aCallThatEndsWhileLockedIsRecordedOnceWhenTheLockGoes() async throws {
        let fixture = try Fixture()
        let writer = fixture.writer
        let claimed = try #require(try await writer.claimNext(fixture.campaign))
        try await writer.markInviteSent(attemptID: claimed.attemptID, sipCallID: "call-1@test")

        let holder = try fixture.lockDatabase()
        // The call ends while the lock is held: its end waits in memory.
        let finishing = Task { try await writer.finish(claimed, result: Self.answered, policy: RetryPolicy(CampaignSettings())) }
        try await fixture.waitFor { writer.isLocked }
        #expect(writer.isLocked, "the writer did not find the lock")
        let warning = try #require(fixture.events.locked.first)
        #expect(warning.lockedFor >= .seconds(4))
        #expect(warning.waitingWrites == 1)
        // A claim is refused at once while the lock is known: nothing is promised that cannot be recorded.
        let refusedAt = ContinuousClock.now
        await #expect(throws: StoreError.self) { try await writer.claimNext(fixture.campaign) }
        #expect(ContinuousClock.now - refusedAt < .seconds(1))
        // Reads go on (WAL: a writer holds up no reader).
        #expect(try await writer.waitingContacts() == 3)

        try holder.execute("ROLLBACK")
        let record = try await finishing.value
        #expect(record.status == .completed)
        #expect(record.cdrSeq != nil)
        try await fixture.waitFor { !writer.isLocked }
        #expect(!writer.isLocked)
        #expect(fixture.events.unlocked == [1])
        // Exactly one finished attempt, and dialing goes on.
        #expect(try fixture.count("SELECT COUNT(*) FROM attempts WHERE status IS NOT NULL") == 1)
        #expect(try fixture.count("SELECT COUNT(*) FROM contacts WHERE state = 'done'") == 1)
        #expect(try await writer.claimNext(fixture.campaign) != nil)
    }

    @Test func aClaimWhosePlacementCannotBeRecordedIsGivenBack() async throws {
        let fixture = try Fixture()
        let writer = fixture.writer
        let claimed = try #require(try await writer.claimNext(fixture.campaign))
        let holder = try fixture.lockDatabase()
        // Recording the INVITE as sent waits out the busy timeout, then is refused: the call is not dialed.
        do {
            try await writer.markInviteSent(attemptID: claimed.attemptID, sipCallID: "never-sent@test")
            Issue.record("markInviteSent succeeded while the database was locked")
        } catch {
            #expect(StoreError.isDatabaseLocked(error), "\(error)")
        }
        let releasing = Task { try await writer.releaseUnplacedAttempt(claimed) }
        try holder.execute("ROLLBACK")
        try await releasing.value
        // As if it had never been claimed: no attempt, the contact pending with no attempts made.
        #expect(try fixture.count("SELECT COUNT(*) FROM attempts") == 0)
        #expect(try fixture.count("SELECT COUNT(*) FROM contacts WHERE state = 'pending' AND attempts = 0") == 3)
        let again = try #require(try await writer.claimNext(fixture.campaign))
        #expect(again.contactID == claimed.contactID)
        #expect(again.attempt == 1)
    }

    @Test func givingBackLeavesAPlacedAttemptAlone() async throws {
        let fixture = try Fixture()
        let writer = fixture.writer
        let claimed = try #require(try await writer.claimNext(fixture.campaign))
        try await writer.markInviteSent(attemptID: claimed.attemptID, sipCallID: "sent@test")
        try await writer.releaseUnplacedAttempt(claimed)
        #expect(try fixture.count("SELECT COUNT(*) FROM attempts WHERE invite_sent = 1") == 1)
        #expect(try fixture.count("SELECT COUNT(*) FROM contacts WHERE state = 'dialing' AND attempts = 1") == 1)
    }
}
