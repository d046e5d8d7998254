import Foundation
import Telephony

/// One webhook waiting in the outbox.
public struct OutboxNotification: Sendable, Equatable {
    public var id: Int64
    public var campaignKey: Int64
    public var attemptID: Int64?
    public var event: String
    public var url: String
    public var body: String
    public var tries: Int
    /// When it was enqueued (ms since the epoch): `WebhookRetryPolicy.retryForSec` counts from here.
    public var createdAt: Int64
    /// Its own headers instead of the campaign's (`PlannedNotification.headers`).
    public var headers: [HeaderField]? = nil
    /// The signature's header instead of `X-Campaignd-Signature`.
    public var signatureHeader: String? = nil
}

/// Per campaign: webhooks still to deliver, and those given up on (`WebhookRetryPolicy`).
public struct NotificationBacklog: Sendable, Equatable {
    public var pending = 0
    public var failed = 0
    public var lastError: String?

    public init(pending: Int = 0, failed: Int = 0, lastError: String? = nil) {
        self.pending = pending
        self.failed = failed
        self.lastError = lastError
    }
}

/// The webhook outbox (DESIGN.md: the notification is enqueued with the attempt it reports, in the
/// same transaction; a delivery worker posts it later, so a dead endpoint never holds up dialing).
extension QueueStore {
    /// Enqueues a webhook for `event` of an attempt (call in progress or finished).
    public func enqueueNotification(campaignKey: Int64, attemptID: Int64?, event: String, url: String, body: String,
                                    headers: [HeaderField]? = nil, signatureHeader: String? = nil, now: Int64 = Timestamp.nowMs()) throws {
        defer { resetStatements() }
        let headerText = try headers.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        try statement("""
            INSERT INTO notification_outbox (campaign_key, attempt_id, event, url, body, created_at, next_try_at, headers, signature_header)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
            .bind(.integer(campaignKey), attemptID.map { .integer($0) } ?? .null, .text(event), .text(url), .text(body),
                  .integer(now), .integer(now), .optional(headerText), .optional(signatureHeader)).run()
    }

    /// What a call's webhooks are planned from, for the attempts matching `condition` (over
    /// `attempts a`, `campaigns c` and `contact_settings s`): its id, its campaign's key, its
    /// settings (its own from a drop-in request, else its campaign's) and its contact's webhook URL.
    /// Read with `callNotificationContext(_:)`.
    static func callNotificationQuery(where condition: String) -> String {
        """
        SELECT a.id, a.campaign_key, COALESCE(s.settings, c.settings), (SELECT url FROM contact_webhooks WHERE contact_id = a.contact_id)
        FROM attempts a JOIN campaigns c ON c.key = a.campaign_key LEFT JOIN contact_settings s ON s.contact_id = a.contact_id
        WHERE \(condition)
        """
    }

    /// The row `callNotificationQuery` stepped to.
    static func callNotificationContext(_ row: SQLiteStatement) throws
        -> (attemptID: Int64, campaignKey: Int64, settings: CampaignSettings, contactURL: String?) {
        (row.int(0), row.int(1), try JSONDecoder().decode(CampaignSettings.self, from: Data((row.text(2) ?? "{}").utf8)), row.text(3))
    }

    /// Enqueues what `NotificationPlanner` plans for `stage` of an attempt (the caller holds the transaction).
    func enqueuePlanned(_ stage: NotifyStage, record: CDRRecord, settings: CampaignSettings, contactURL: String?,
                        campaignKey: Int64, attemptID: Int64) throws {
        for planned in NotificationPlanner.plan(stage, record: record, settings: settings, contactURL: contactURL) {
            try enqueueNotification(campaignKey: campaignKey, attemptID: attemptID, event: planned.event, url: planned.url,
                                    body: planned.body, headers: planned.headers, signatureHeader: planned.signatureHeader)
        }
    }

    /// The webhooks for an event of a call still in progress (`answered`, AMD and connect events), in
    /// its own transaction; `settings` are the call's, `ringTime` when it first rang (the row has it
    /// only once the call is over).
    public func enqueueCallEvent(_ claimed: ClaimedAttempt, stage: NotifyStage, settings: CampaignSettings, ringTime: Int64? = nil,
                                 connectTime: Int64?, verdict: AMDEvent?, beepDetected: Bool?) throws {
        try connection.transaction {
            var record = try cdr(attemptID: claimed.attemptID)
            record.ringTime = ringTime
            record.connectTime = connectTime
            record.machineDetection = verdict?.kind
            record.amdDecisionMs = verdict?.timeMs
            record.beepDetected = beepDetected
            record.disconnectTime = connectTime ?? Timestamp.nowMs()
            try enqueuePlanned(stage, record: record, settings: settings, contactURL: claimed.notifyUrl,
                               campaignKey: claimed.campaignKey, attemptID: claimed.attemptID)
        }
    }

    /// Webhooks due now, oldest first; a call's later event waits while an earlier one of the same
    /// call is undelivered (order per call), and attempts in `busy` (being posted) are skipped.
    public func dueNotifications(now: Int64, busy: Set<Int64>, limit: Int) throws -> [OutboxNotification] {
        defer { resetStatements() }
        let query = try statement("""
            SELECT o.id, o.campaign_key, o.attempt_id, o.event, o.url, o.body, o.tries, o.created_at, o.headers, o.signature_header
            FROM notification_outbox o
            WHERE o.delivered_at IS NULL AND o.gave_up = 0 AND o.next_try_at <= ?
              AND NOT EXISTS (SELECT 1 FROM notification_outbox p WHERE p.attempt_id = o.attempt_id AND p.id < o.id
                              AND p.delivered_at IS NULL AND p.gave_up = 0)
            ORDER BY o.id LIMIT ?
            """)
        try query.bind(.integer(now), .int(limit + busy.count))
        var due: [OutboxNotification] = []
        while try query.step(), due.count < limit {
            let attemptID: Int64? = query.isNull(2) ? nil : query.int(2)
            if let attemptID, busy.contains(attemptID) { continue }
            due.append(OutboxNotification(
                id: query.int(0), campaignKey: query.int(1), attemptID: attemptID, event: query.text(3) ?? "",
                url: query.text(4) ?? "", body: query.text(5) ?? "", tries: Int(query.int(6)), createdAt: query.int(7),
                headers: query.text(8).flatMap { try? JSONDecoder().decode([HeaderField].self, from: Data($0.utf8)) },
                signatureHeader: query.text(9)))
        }
        return due
    }

    public func markNotificationDelivered(id: Int64, at now: Int64) throws {
        defer { resetStatements() }
        try statement("UPDATE notification_outbox SET delivered_at = ?, tries = tries + 1, last_error = NULL WHERE id = ?")
            .bind(.integer(now), .integer(id)).run()
    }

    /// Records a failed try: again at `retryAt`, or given up when that is nil.
    public func markNotificationFailed(id: Int64, error: String, retryAt: Int64?) throws {
        defer { resetStatements() }
        try statement("UPDATE notification_outbox SET tries = tries + 1, last_error = ?, next_try_at = ?, gave_up = ? WHERE id = ?")
            .bind(.text(error), .integer(retryAt ?? 0), .int(retryAt == nil ? 1 : 0), .integer(id)).run()
    }

    /// Undelivered and given-up webhooks per campaign id.
    public func notificationBacklog() throws -> [String: NotificationBacklog] {
        let query = try connection.prepare("""
            SELECT c.id, SUM(o.gave_up = 0), SUM(o.gave_up = 1),
                   (SELECT last_error FROM notification_outbox l WHERE l.campaign_key = c.key AND l.last_error IS NOT NULL
                    AND l.delivered_at IS NULL ORDER BY l.id DESC LIMIT 1)
            FROM notification_outbox o JOIN campaigns c ON c.key = o.campaign_key
            WHERE o.delivered_at IS NULL GROUP BY c.id
            """)
        var backlog: [String: NotificationBacklog] = [:]
        while try query.step() {
            backlog[query.text(0) ?? ""] = NotificationBacklog(pending: Int(query.int(1)), failed: Int(query.int(2)), lastError: query.text(3))
        }
        return backlog
    }

    /// Webhooks still to try (not delivered, not given up).
    public func pendingNotificationCount() throws -> Int {
        Int(try connection.scalarText("SELECT COUNT(*) FROM notification_outbox WHERE delivered_at IS NULL AND gave_up = 0") ?? "0") ?? 0
    }

    /// The settings of campaign `key` (for a webhook's headers and credentials).
    public func campaignSettings(key: Int64) throws -> CampaignSettings? {
        let query = try connection.prepare("SELECT settings FROM campaigns WHERE key = ?")
        guard try query.bind(.integer(key)).step(), let text = query.text(0) else { return nil }
        return try? JSONDecoder().decode(CampaignSettings.self, from: Data(text.utf8))
    }
}
