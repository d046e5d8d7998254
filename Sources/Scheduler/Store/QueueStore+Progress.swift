import Foundation

/// Call-progress webhooks (`notifyEvents`): enqueued in the outbox like the others, found by the
/// Call-ID the dispatcher recorded before the INVITE.
extension QueueStore {
    /// Enqueues `event` for the attempt placed with `sipCallID` if its campaign asked for it (and
    /// it has a webhook URL); returns whether it did. Campaigns without `notifyEvents` cost one
    /// indexed lookup.
    @discardableResult
    public func enqueueProgressEvent(sipCallID: String, event: CallProgressEvent) throws -> Bool {
        defer { resetStatements() }
        let attempt = try statement("""
            SELECT a.id, a.campaign_key, c.settings, (SELECT url FROM contact_webhooks WHERE contact_id = a.contact_id)
            FROM attempts a JOIN campaigns c ON c.key = a.campaign_key
            WHERE a.sip_call_id = ? AND instr(c.settings, '"notifyEvents"') > 0
            """)
        guard try attempt.bind(.text(sipCallID)).step() else { return false }
        let attemptID = attempt.int(0), campaignKey = attempt.int(1)
        let settings = try JSONDecoder().decode(CampaignSettings.self, from: Data((attempt.text(2) ?? "{}").utf8))
        guard settings.notifyEvents?.contains(event) == true, let url = attempt.text(3) ?? settings.notifyUrl else { return false }
        var record = try cdr(attemptID: attemptID)
        record.disconnectTime = Timestamp.nowMs()
        try enqueueNotification(campaignKey: campaignKey, attemptID: attemptID, event: event.rawValue, url: url,
                                body: WebhookBody.json(event: event.rawValue, record: record, progress: .beforeAnswer(event)))
        return true
    }
}
