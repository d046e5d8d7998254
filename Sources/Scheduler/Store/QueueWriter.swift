import Foundation
import Telephony

/// The one writer of the queue: owns a `QueueStore` and runs every query on its own thread, so
/// blocking sqlite3 calls never occupy the shared cooperative pool.
///
/// When another process holds the database's write lock past the busy timeout (an operator's
/// `sqlite3` shell left in a transaction, a backup), nothing is lost and nothing new is promised:
/// writes that record what already happened (a call's end, its webhooks, a claim given back) are
/// kept in memory, in order, and committed once the lock is gone; writes that would start something
/// (a claim, a call recorded as placed, an API call) are refused with `StoreError.databaseLocked`,
/// at once while the lock is known (`isLocked`). The writer tries again with a bounded backoff
/// (`LockedDatabaseBackoff`) and tells `onEvent` when the lock is found, while it lasts, and when it is gone.
public actor QueueWriter {
    /// What the writer tells whoever runs it (the executable logs it).
    public enum Event: Sendable {
        /// Another process held the database's write lock through the busy timeout: no claim or API
        /// call is taken; `waitingWrites` (calls' ends, webhooks) are kept in memory. Told when the
        /// lock is found, then every `LockedDatabaseBackoff.warnInterval` while it lasts.
        case locked(file: String, lockedFor: Duration, waitingWrites: Int, retryIn: Duration)
        /// The lock is gone: the writes kept meanwhile are committed (`writes` of them).
        case unlocked(file: String, lockedFor: Duration, writes: Int)
    }

    /// This writer's own thread; it ends when the writer is released.
    private let executor = ThreadExecutor(name: "campaignd-store")
    private let store: QueueStore
    private let onEvent: @Sendable (Event) -> Void
    private var backoff = LockedDatabaseBackoff<ContinuousClock>()

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// - Parameter onEvent: told when another process holds the database locked, and when it lets go.
    public init(dataDirectory: String, onEvent: @escaping @Sendable (Event) -> Void = { _ in }) throws {
        store = try QueueStore(dataDirectory: dataDirectory)
        path = store.path
        self.onEvent = onEvent
    }

    deinit {
        executor.shutdown()
    }

    /// The database file (`campaignd.db`).
    public nonisolated let path: String

    /// Whether another process holds the database locked (a try found it so and none succeeded
    /// since): claims and API calls are refused until it lets go. Cheap: the dispatcher asks before every claim.
    public nonisolated var isLocked: Bool { queue.lock.withLock { queue.locked } }

    public func activeCampaigns() throws -> [DispatchCampaign] { try store.activeCampaigns() }

    /// Claims a batch (see `QueueStore.claimBatch`); returns once the claims are committed, so that
    /// every attempt row exists on disk before its INVITE goes out. Refused while the database is locked.
    public nonisolated func claimBatch(
        campaign: DispatchCampaign, trunk: String?, now: Int64, after cursor: Int64, limit: Int,
        check: @escaping @Sendable (_ target: String, _ timezone: String?, _ attemptsBetween: (Int64, Int64) throws -> Int) throws -> ClaimCheck
    ) async throws -> QueueStore.ClaimBatch {
        try await write(whileLocked: .refused) {
            try $0.claimBatch(campaign: campaign, trunk: trunk, now: now, after: cursor, limit: limit, check: check)
        }
    }

    /// Refused while the database is locked: the call is then not dialed (`releaseUnplacedAttempt`).
    public nonisolated func markInviteSent(attemptID: Int64, sipCallID: String) async throws {
        try await write(whileLocked: .refused) { try $0.markInviteSent(attemptID: attemptID, sipCallID: sipCallID) }
    }

    /// Gives back a claim that was not dialed (see `QueueStore.releaseUnplacedAttempt`); kept until
    /// the database is free.
    public nonisolated func releaseUnplacedAttempt(_ claimed: ClaimedAttempt) async throws {
        try await write(whileLocked: .waits) { try $0.releaseUnplacedAttempt(claimed) }
    }

    /// Kept until the database is free.
    public nonisolated func enqueueCallEvent(_ claimed: ClaimedAttempt, stage: NotifyStage, settings: CampaignSettings, ringTime: Int64? = nil,
                                             connectTime: Int64?, verdict: AMDEvent?, beepDetected: Bool?) async throws {
        try await write(whileLocked: .waits) {
            try $0.enqueueCallEvent(claimed, stage: stage, settings: settings, ringTime: ringTime, connectTime: connectTime,
                                    verdict: verdict, beepDetected: beepDetected)
        }
    }

    /// Kept until the database is free: a call's end is never dropped because another process held the lock.
    public nonisolated func finish(_ claimed: ClaimedAttempt, result: CallResult, policy: RetryPolicy,
                                   notify: CampaignSettings? = nil) async throws -> CDRRecord {
        try await write(whileLocked: .waits) { try $0.finish(claimed, result: result, policy: policy, notify: notify) }
    }

    /// Queues one API call, unless `idempotency`'s key was used in the last 24 h; `render` makes the
    /// response from the call's id and conversation id. Returns once committed; refused while the
    /// database is locked (the API answers 503).
    public nonisolated func submitCall(
        _ call: APICallSubmission, idempotency: IdempotencyClaim?, now: Int64,
        render: @escaping @Sendable (Int64, String) -> (status: Int, body: String)
    ) async throws -> IdempotentOutcome<Int64> {
        try await write(whileLocked: .refused) { store in
            try store.idempotent(idempotency, now: now) {
                let (id, conversationID) = try store.insertAPICall(call)
                let (status, body) = render(id, conversationID)
                return (id, status, body)
            }
        }
    }

    /// Makes or updates a campaign the API fills (the built-in `api` campaign at start-up); waits
    /// for a locked database.
    public nonisolated func upsertAPICampaign(_ id: String, settings: CampaignSettings, now: Int64) async throws {
        try await write(whileLocked: .waits) { store in
            try store.upsertAPICampaign(id, settings: settings)
            try store.purgeIdempotencyKeys(now: now)
        }
    }

    /// Start-up: waits for a locked database.
    public nonisolated func recoverUnfinishedAttempts(now: Int64) async throws -> [CDRRecord] {
        try await write(whileLocked: .waits) { try $0.recoverUnfinishedAttempts(now: now) }
    }

    // MARK: Group commit
    //
    // Writes are queued and run together a moment later (`groupWindow`), in the order they came,
    // each in its own savepoint of one transaction. Calls that end together then cost one COMMIT
    // and one copy of each page they touch in the WAL, not one each: at thousands of calls a
    // second most writes share a page with their neighbours. Each write returns only once its
    // transaction is committed (a claim before its INVITE goes out, a finished attempt before its
    // CDR line is written), and the database is locked only while a batch runs, not while it fills.

    /// How long writes gather before they are committed: short beside a call, long beside a commit.
    static let groupWindow: Duration = .milliseconds(2)

    /// What a write does while another process holds the database locked.
    private enum WhileLocked {
        /// Kept in memory, in order, and committed once the lock is gone: it records what already happened.
        case waits
        /// Refused with `StoreError.databaseLocked`: it would start something (a call, an API call).
        case refused
    }

    /// A queued write: `run` runs on the writer's thread (given the store, or nil if the transaction
    /// could not begin) and returns what to do once the commit's outcome is known. A write kept
    /// while the database is locked is run again at the next try (its body has no effect outside the
    /// transaction, which was never begun).
    private struct QueuedWrite: Sendable {
        var whileLocked: WhileLocked
        var run: @Sendable (QueueStore?) -> @Sendable ((any Error)?) -> Void
    }

    // @unchecked Sendable: `lock` guards `writes`, `flushScheduled` and `locked`.
    private final class WriteQueue: @unchecked Sendable {
        let lock = NSLock()
        var writes: [QueuedWrite] = []
        var flushScheduled = false
        /// Mirrors `backoff.isLocked` for callers off the writer's thread.
        var locked = false
    }

    private nonisolated let queue = WriteQueue()

    /// Runs `body` in the next group transaction; returns its result once that is committed.
    private nonisolated func write<T: Sendable>(whileLocked: WhileLocked,
                                               _ body: @escaping @Sendable (QueueStore) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let queued = QueuedWrite(whileLocked: whileLocked) { store in
                // Without a store the transaction did not begin, and the completion reports why.
                let result: Result<T, any Error> = store.map { store in Result { try store.inTransaction { try body(store) } } }
                    ?? .failure(CancellationError())
                return { commitError in
                    if let commitError { continuation.resume(throwing: commitError) } else { continuation.resume(with: result) }
                }
            }
            enqueue(queued)
        }
    }

    /// Queues a write in the order of the calls, and the flush that will carry it; refuses it at
    /// once if it is refused while the database is locked and the database is known to be.
    private nonisolated func enqueue(_ queued: QueuedWrite) {
        let (schedule, refuse) = queue.lock.withLock { () -> (Bool, Bool) in
            if queue.locked, queued.whileLocked == .refused { return (false, true) }
            queue.writes.append(queued)
            defer { queue.flushScheduled = true }
            return (!queue.flushScheduled, false)
        }
        if refuse {
            queued.run(nil)(StoreError.databaseLocked(path))
        } else if schedule {
            // Owned by the writes just queued: each of them waits for this flush to resume it.
            Task {
                try? await Task.sleep(for: Self.groupWindow)
                await self.flush()
            }
        }
    }

    /// Enqueues a call-progress webhook for the attempt placed with `sipCallID` (if its campaign
    /// asked for `event`), without waiting for the commit: it is queued now, so it is committed
    /// before anything the caller writes after it (the `answered` webhook comes later); kept until
    /// the database is free. `onError` gets what went wrong.
    public nonisolated func enqueueProgressEvent(sipCallID: String, event: CallProgressEvent,
                                                 onError: @escaping @Sendable (any Error) -> Void) {
        enqueue(QueuedWrite(whileLocked: .waits) { store in
            let result: Result<Bool, any Error> = store.map { store in
                Result { try store.inTransaction { try store.enqueueProgressEvent(sipCallID: sipCallID, event: event) } }
            } ?? .failure(CancellationError())
            return { commitError in
                if let commitError {
                    onError(commitError)
                } else if case .failure(let error) = result {
                    onError(error)
                }
            }
        })
    }

    private func flush() {
        let writes = queue.lock.withLock {
            queue.flushScheduled = false
            defer { queue.writes.removeAll() }
            return queue.writes
        }
        // While locked a try runs even with nothing to write: it is how the writer sees the lock go.
        guard !writes.isEmpty || backoff.isLocked else { return }
        let clock = ContinuousClock()
        let started = clock.now
        var failure: (any Error)?
        // Before an import's next chunk, if one is running in this process.
        let completions = store.writeTurn.write { () -> [@Sendable ((any Error)?) -> Void]? in
            do { try store.beginGroup() } catch { failure = error }
            // Locked by another process: nothing ran, and the writes are kept or refused below.
            if let failure, StoreError.isDatabaseLocked(failure) { return nil }
            let completions = writes.map { $0.run(failure == nil ? store : nil) }
            if failure == nil {
                do { try store.commitGroup() } catch { failure = error }
            }
            return completions
        }
        guard let completions else {
            lockedOut(writes, tryStarted: started, now: clock.now)
            return
        }
        if let lockedFor = backoff.trySucceeded(now: clock.now) {
            try? store.setBusyTimeout(SQLiteConnection.busyTimeout)
            queue.lock.withLock { queue.locked = false }
            onEvent(.unlocked(file: path, lockedFor: lockedFor, writes: writes.count))
        }
        for complete in completions { complete(failure) }
    }

    /// A try found the database locked by another process: refuses what is refused while it is,
    /// keeps the rest (ahead of what was queued meanwhile) and tries again after the backoff.
    private func lockedOut(_ writes: [QueuedWrite], tryStarted: ContinuousClock.Instant, now: ContinuousClock.Instant) {
        let retry = backoff.tryFailed(startedAt: tryStarted, now: now)
        try? store.setBusyTimeout(backoff.nextTryTimeout(busyTimeout: SQLiteConnection.busyTimeout))
        let (refused, waiting) = queue.lock.withLock { () -> ([QueuedWrite], Int) in
            queue.locked = true
            let all = writes + queue.writes
            queue.writes = all.filter { $0.whileLocked == .waits }
            // The retry below carries what is queued until then.
            queue.flushScheduled = true
            return (all.filter { $0.whileLocked == .refused }, queue.writes.count)
        }
        for write in refused { write.run(nil)(StoreError.databaseLocked(path)) }
        if retry.warn { onEvent(.locked(file: path, lockedFor: retry.lockedFor, waitingWrites: waiting, retryIn: retry.after)) }
        // Owned by the writes kept in memory (and by the lock's end, which only a try can see).
        Task {
            try? await Task.sleep(for: retry.after)
            self.flush()
        }
    }

    public func nextRetryTime() throws -> Int64? { try store.nextRetryTime() }
    public func waitingContacts() throws -> Int { try store.waitingContacts() }
    public func abandonmentStats(campaignKeys: [Int64], now: Int64) throws -> [Int64: AbandonmentStats] {
        try store.abandonmentStats(campaignKeys: campaignKeys, now: now)
    }
    public func campaignStatuses() throws -> [CampaignStatus] { try store.campaignStatuses() }
}
