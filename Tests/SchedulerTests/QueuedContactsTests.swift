import Foundation
import Telephony
import Testing
@testable import Scheduler

/// What the dispatcher reads of the queue from the kept counts (migrations 11 and 12) instead of
/// every contact: which campaigns have anything to claim, when the next retry or deferred contact
/// falls due, how many contacts still wait, and when a claim need not search pending contacts; each
/// checked by its value and against a scan of every contact (the queries the store ran before).
@Suite struct QueuedContactsTests {
    let directory: TestDirectory
    let store: QueueStore
    /// The claims' and calls' clock (Unix ms).
    let t0: Int64 = 1_800_000_000_000
    let hour: Int64 = 3_600_000

    init() throws {
        directory = try TestDirectory()
        store = try QueueStore(dataDirectory: directory.path + "/var")
    }

    func spec(_ id: String, _ targets: [String]) -> CampaignSpec {
        var settings = CampaignSettings()
        settings.maxRetryNo = 1
        settings.retryIntervalSec = 3600
        return CampaignSpec(id: id, sourceFile: id + ".csv", settings: settings,
                            contacts: targets.enumerated().map { ContactSpec(target: $0.element, line: $0.offset + 2) },
                            duplicateCount: 0, contentHash: id + targets.joined())
    }

    func campaign(_ id: String) throws -> DispatchCampaign {
        try #require(try store.activeCampaigns().first { $0.id == id })
    }

    /// Claims up to `limit` contacts of `id` at `now`, deferring `deferring` by two hours.
    func claim(_ id: String, at now: Int64, limit: Int = 64, deferring: Set<String> = []) throws -> [ClaimedAttempt] {
        try store.claimBatch(campaign: try campaign(id), trunk: nil, now: now, after: 0, limit: limit) { target, _, _ in
            deferring.contains(target) ? .deferUntil(now + 2 * hour) : .call(nil)
        }.claimed
    }

    func end(_ claimed: ClaimedAttempt, _ outcome: CallOutcome, at end: Int64) throws {
        var settings = CampaignSettings()
        settings.maxRetryNo = 1
        settings.retryIntervalSec = 3600
        _ = try store.finish(claimed, result: CallResult(outcome: outcome, sipCallID: "call-\(claimed.attemptID)", startTime: end - 2000,
                                                         ringTime: nil, connectTime: nil, disconnectTime: end),
                             policy: RetryPolicy(settings))
    }

    /// The waiting contacts and the next due time as the store counted them from every contact.
    func scanned() throws -> (waiting: Int, nextDue: Int64?) {
        let active = "campaign_key IN (SELECT key FROM campaigns WHERE state = 'active') AND \(QueueStore.visibleContact())"
        let waiting = try store.connection.scalarText(
            "SELECT COUNT(*) FROM contacts WHERE state IN ('pending', 'retry_wait', 'dialing') AND \(active)")
        let next = try store.connection.scalarText(
            "SELECT MIN(next_attempt_at) FROM contacts WHERE state IN ('retry_wait', 'pending') AND \(active)")
        return (Int(waiting ?? "") ?? -1, next.flatMap { Int64($0) })
    }

    /// The store's answers, checked against `scanned()` and returned.
    func answers(sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> (waiting: Int, nextDue: Int64?, queued: [String: Bool]) {
        let waiting = try store.waitingContacts()
        let nextDue = try store.nextRetryTime()
        let scan = try scanned()
        #expect(waiting == scan.waiting && nextDue == scan.nextDue, "a scan of every contact says \(scan)", sourceLocation: sourceLocation)
        let queued = Dictionary(uniqueKeysWithValues: try store.activeCampaigns().map { ($0.id, $0.hasQueuedContacts) })
        return (waiting, nextDue, queued)
    }

    @Test func retriesDeferredContactsPausesAndImportsInProgress() throws {
        _ = try store.importCampaign(spec("spring", ["+15551230001", "+15551230002", "+15551230003"]))
        _ = try store.importCampaign(spec("summer", ["+15551230011", "+15551230012"]))
        var now = try answers()
        #expect(now.waiting == 5 && now.nextDue == 0 && now.queued == ["spring": true, "summer": true])

        // spring: a busy call (a retry in an hour), a contact deferred two hours, an answered call.
        let spring = try claim("spring", at: t0, deferring: ["+15551230002"])
        #expect(spring.map(\.target) == ["+15551230001", "+15551230003"])
        try end(spring[0], ScriptedDialer.busy, at: t0 + 1000)
        try end(spring[1], ScriptedDialer.answered, at: t0 + 1000)
        // summer: both declined, nothing left.
        for claimed in try claim("summer", at: t0) { try end(claimed, ScriptedDialer.declined, at: t0 + 1000) }
        now = try answers()
        #expect(now.waiting == 2 && now.nextDue == t0 + 1000 + hour && now.queued == ["spring": true, "summer": false])
        #expect(try claim("spring", at: t0 + 2000).isEmpty, "nothing is due yet")
        #expect(try claim("summer", at: t0 + 2000).isEmpty)

        // A paused campaign's contacts neither wait nor fall due.
        _ = try store.apply(.pause, to: "spring")
        now = try answers()
        #expect(now.waiting == 0 && now.nextDue == nil && now.queued == ["summer": false])
        _ = try store.apply(.resume, to: "spring")

        // A file being imported into summer: its contacts are neither counted nor claimed until it is all in.
        store.importChunkRows = 2
        var duringImport: (waiting: Int, nextDue: Int64?, queued: [String: Bool])?
        var claimedDuringImport: [ClaimedAttempt] = []
        store.afterImportChunk = {
            guard duringImport == nil else { return }
            duringImport = try answers()
            claimedDuringImport = try claim("summer", at: t0 + 3000)
        }
        _ = try store.importCampaign(spec("summer", ["+15551230011", "+15551230012", "+15551230013", "+15551230014", "+15551230015"]))
        store.afterImportChunk = nil
        #expect(duringImport?.waiting == 2 && duringImport?.nextDue == t0 + 1000 + hour)
        #expect(duringImport?.queued == ["spring": true, "summer": false])
        #expect(claimedDuringImport.isEmpty)
        now = try answers()
        #expect(now.waiting == 5 && now.nextDue == 0 && now.queued == ["spring": true, "summer": true])

        // summer's new contacts claimed; a crash before their INVITEs puts them back.
        #expect(try claim("summer", at: t0 + 4000).map(\.target) == ["+15551230013", "+15551230014", "+15551230015"])
        now = try answers()
        #expect(now.waiting == 5 && now.nextDue == t0 + 1000 + hour && now.queued == ["spring": true, "summer": false])
        _ = try store.recoverUnfinishedAttempts(now: t0 + 5000)
        now = try answers()
        #expect(now.waiting == 5 && now.nextDue == 0 && now.queued == ["spring": true, "summer": true])
        for claimed in try claim("summer", at: t0 + 6000) { try end(claimed, ScriptedDialer.declined, at: t0 + 7000) }

        // In time, the retry first, then the deferred contact.
        #expect(try claim("spring", at: t0 + 2 * hour, limit: 1).map(\.target) == ["+15551230001"])
        #expect(try claim("spring", at: t0 + 2 * hour, limit: 1).map(\.target) == ["+15551230002"])
        now = try answers()
        #expect(now.waiting == 2 && now.nextDue == nil && now.queued == ["spring": false, "summer": false])
    }

    @Test func aClaimThatFoundNoPendingContactDueSearchesAgainOnlyWhenOneFallsDueOrTheyChange() throws {
        _ = try store.importCampaign(spec("spring", ["+15551230001", "+15551230002", "+15551230003", "+15551230004"]))
        _ = try store.addToDNC(["+15551230001"], source: "test")
        func searches() -> [Int] { [store.timesRun(QueueStore.nextPendingContact), store.timesRun(QueueStore.earliestPendingContact)] }

        // The window is closed for everyone: each contact deferred two hours.
        let deferring: Set = ["+15551230002", "+15551230003", "+15551230004"]
        #expect(try claim("spring", at: t0, deferring: deferring).isEmpty)
        let searched = searches()
        #expect(searched[0] > 0 && searched[1] == 1)
        #expect(try claim("spring", at: t0 + 1000).isEmpty)
        #expect(try claim("spring", at: t0 + 2000).isEmpty)
        #expect(searches() == searched, "nothing changed and nothing is due: no search")
        #expect(try answers().nextDue == t0 + 2 * hour)

        // One contact leaves pending as another enters it (the count is the same): the one back from
        // the DNC list was never deferred, and is dialed at once.
        _ = try store.addToDNC(["+15551230002"], source: "test")
        #expect(try store.removeFromDNC(["+15551230001"]) == 1)
        #expect(try answers().nextDue == 0)
        #expect(try claim("spring", at: t0 + 3000).map(\.target) == ["+15551230001"])
        #expect(searches()[1] == searched[1] + 1, "it searched, found one, then none due")
        #expect(try answers().nextDue == t0 + 2 * hour)

        // Contacts imported into it are dialed at once.
        _ = try store.importCampaign(spec("spring", ["+15551230001", "+15551230005"]))
        #expect(try claim("spring", at: t0 + 4000).map(\.target) == ["+15551230005"])

        // In time, the deferred ones, and then nothing is searched for any more.
        #expect(try claim("spring", at: t0 + 2 * hour - 1).isEmpty)
        #expect(try claim("spring", at: t0 + 2 * hour).map(\.target) == ["+15551230003", "+15551230004"])
        #expect(try answers().nextDue == nil)
        let done = searches()
        #expect(try claim("spring", at: t0 + 3 * hour).isEmpty)
        #expect(searches() == done)
    }
}
