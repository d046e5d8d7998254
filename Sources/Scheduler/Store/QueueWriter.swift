import Foundation
import Telephony

/// The one writer of the queue: owns a `QueueStore` and runs every query on its own thread, so
/// blocking sqlite3 calls never occupy the shared cooperative pool.
public actor QueueWriter {
    /// This writer's own thread; it ends when the writer is released.
    private let executor = ThreadExecutor(name: "campaignd-store")
    private let store: QueueStore

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    public init(dataDirectory: String) throws {
        store = try QueueStore(dataDirectory: dataDirectory)
    }

    deinit {
        executor.shutdown()
    }

    public func activeCampaigns() throws -> [DispatchCampaign] { try store.activeCampaigns() }

    /// Claims a batch (see `QueueStore.claimBatch`); returns once the claims are committed, so that
    /// every attempt row exists on disk before its INVITE goes out.
    public nonisolated func claimBatch(
        campaign: DispatchCampaign, trunk: String?, now: Int64, after cursor: Int64, limit: Int,
        check: @escaping @Sendable (_ target: String, _ timezone: String?, _ attemptsBetween: (Int64, Int64) throws -> Int) throws -> ClaimCheck
    ) async throws -> QueueStore.ClaimBatch {
        try await write {
            try $0.claimBatch(campaign: campaign, trunk: trunk, now: now, after: cursor, limit: limit, check: check)
        }
    }

    public nonisolated func markInviteSent(attemptID: Int64, sipCallID: String) async throws {
        try await write { try $0.markInviteSent(attemptID: attemptID, sipCallID: sipCallID) }
    }

    public nonisolated func enqueueCallEvent(_ claimed: ClaimedAttempt, stage: NotifyStage, settings: CampaignSettings, ringTime: Int64? = nil,
                                             connectTime: Int64?, verdict: AMDEvent?, beepDetected: Bool?) async throws {
        try await write {
            try $0.enqueueCallEvent(claimed, stage: stage, settings: settings, ringTime: ringTime, connectTime: connectTime,
                                    verdict: verdict, beepDetected: beepDetected)
        }
    }

    public nonisolated func finish(_ claimed: ClaimedAttempt, result: CallResult, policy: RetryPolicy,
                                   notify: CampaignSettings? = nil) async throws -> CDRRecord {
        try await write { try $0.finish(claimed, result: result, policy: policy, notify: notify) }
    }

    /// Queues one API call, unless `idempotency`'s key was used in the last 24 h; `render` makes the
    /// response from the call's id and conversation id. Returns once committed.
    public nonisolated func submitCall(
        _ call: APICallSubmission, idempotency: IdempotencyClaim?, now: Int64,
        render: @escaping @Sendable (Int64, String) -> (status: Int, body: String)
    ) async throws -> IdempotentOutcome<Int64> {
        try await write { store in
            try store.idempotent(idempotency, now: now) {
                let (id, conversationID) = try store.insertAPICall(call)
                let (status, body) = render(id, conversationID)
                return (id, status, body)
            }
        }
    }

    /// Makes or updates a campaign the API fills (the built-in `api` campaign at start-up).
    public nonisolated func upsertAPICampaign(_ id: String, settings: CampaignSettings, now: Int64) async throws {
        try await write { store in
            try store.upsertAPICampaign(id, settings: settings)
            try store.purgeIdempotencyKeys(now: now)
        }
    }

    public nonisolated func recoverUnfinishedAttempts(now: Int64) async throws -> [CDRRecord] {
        try await write { try $0.recoverUnfinishedAttempts(now: now) }
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

    /// A queued write: runs on the writer's thread (given the store, or nil if the transaction
    /// could not begin) and returns what to do once the commit's outcome is known.
    private typealias QueuedWrite = @Sendable (QueueStore?) -> @Sendable ((any Error)?) -> Void

    // @unchecked Sendable: `lock` guards `writes` and `flushScheduled`.
    private final class WriteQueue: @unchecked Sendable {
        let lock = NSLock()
        var writes: [QueuedWrite] = []
        var flushScheduled = false
    }

    private nonisolated let queue = WriteQueue()

    /// Runs `body` in the next group transaction; returns its result once that is committed.
    private nonisolated func write<T: Sendable>(_ body: @escaping @Sendable (QueueStore) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let queued: QueuedWrite = { store in
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

    /// Queues a write in the order of the calls, and the flush that will carry it.
    private nonisolated func enqueue(_ queued: @escaping QueuedWrite) {
        let schedule = queue.lock.withLock {
            queue.writes.append(queued)
            defer { queue.flushScheduled = true }
            return !queue.flushScheduled
        }
        if schedule {
            // Owned by the writes just queued: each of them waits for this flush to resume it.
            Task {
                try? await Task.sleep(for: Self.groupWindow)
                await self.flush()
            }
        }
    }

    /// Enqueues a call-progress webhook for the attempt placed with `sipCallID` (if its campaign
    /// asked for `event`), without waiting for the commit: it is queued now, so it is committed
    /// before anything the caller writes after it (the `answered` webhook comes later). `onError`
    /// gets what went wrong.
    public nonisolated func enqueueProgressEvent(sipCallID: String, event: CallProgressEvent,
                                                 onError: @escaping @Sendable (any Error) -> Void) {
        enqueue { store in
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
        }
    }

    private func flush() {
        let writes = queue.lock.withLock {
            queue.flushScheduled = false
            defer { queue.writes.removeAll() }
            return queue.writes
        }
        guard !writes.isEmpty else { return }
        var failure: (any Error)?
        // Before an import's next chunk, if one is running in this process.
        let completions = store.writeTurn.write {
            do { try store.beginGroup() } catch { failure = error }
            let completions = writes.map { $0(failure == nil ? store : nil) }
            if failure == nil {
                do { try store.commitGroup() } catch { failure = error }
            }
            return completions
        }
        for complete in completions { complete(failure) }
    }

    public func nextRetryTime() throws -> Int64? { try store.nextRetryTime() }
    public func waitingContacts() throws -> Int { try store.waitingContacts() }
    public func abandonmentStats(campaignKeys: [Int64], now: Int64) throws -> [Int64: AbandonmentStats] {
        try store.abandonmentStats(campaignKeys: campaignKeys, now: now)
    }
    public func campaignStatuses() throws -> [CampaignStatus] { try store.campaignStatuses() }
}
