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

    public func claimBatch(
        campaign: DispatchCampaign, trunk: String?, now: Int64, after cursor: Int64, limit: Int,
        windowOpensAt: @Sendable (String?) -> Int64?
    ) throws -> QueueStore.ClaimBatch {
        try store.claimBatch(campaign: campaign, trunk: trunk, now: now, after: cursor, limit: limit, windowOpensAt: windowOpensAt)
    }


    public func claim(contactID: Int64, campaign: DispatchCampaign, trunk: String?, now: Int64) throws -> ClaimedAttempt? {
        try store.claim(contactID: contactID, campaign: campaign, trunk: trunk, now: now)
    }

    public func markInviteSent(attemptID: Int64, sipCallID: String) throws {
        try store.markInviteSent(attemptID: attemptID, sipCallID: sipCallID)
    }

    public func enqueueCallEvent(_ claimed: ClaimedAttempt, event: String, url: String, connectTime: Int64?,
                                 verdict: AMDEvent?, beepDetected: Bool?, amd: AMDEvent?) throws {
        try store.enqueueCallEvent(claimed, event: event, url: url, connectTime: connectTime, verdict: verdict,
                                   beepDetected: beepDetected, amd: amd)
    }

    public func finish(_ claimed: ClaimedAttempt, result: CallResult, policy: RetryPolicy, notifyURL: String? = nil) throws -> CDRRecord {
        try store.finish(claimed, result: result, policy: policy, notifyURL: notifyURL)
    }

    public func recoverUnfinishedAttempts(now: Int64) throws -> [CDRRecord] { try store.recoverUnfinishedAttempts(now: now) }
    public func nextRetryTime() throws -> Int64? { try store.nextRetryTime() }
    public func waitingContacts() throws -> Int { try store.waitingContacts() }
    public func campaignStatuses() throws -> [CampaignStatus] { try store.campaignStatuses() }
}
