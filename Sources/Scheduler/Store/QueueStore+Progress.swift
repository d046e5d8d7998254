import Foundation

/// Call-progress webhooks (`notifyEvents`): enqueued in the outbox like the others, found by the
/// Call-ID the dispatcher recorded before the INVITE. Calls placed through a drop-in endpoint
/// (their own settings) get theirs in their API's shape (`NotificationPlanner`).
extension QueueStore {
    /// Enqueues `event` for the attempt placed with `sipCallID` if its campaign asked for it (and
    /// it has a webhook URL); returns whether it did. Campaigns without `notifyEvents` cost one
    /// indexed lookup.
    @discardableResult
    public func enqueueProgressEvent(sipCallID: String, event: CallProgressEvent) throws -> Bool {
        defer { resetStatements() }
        let attempt = try statement(Self.callNotificationQuery(
            where: #"a.sip_call_id = ? AND (instr(c.settings, '"notifyEvents"') > 0 OR s.settings IS NOT NULL)"#))
        guard try attempt.bind(.text(sipCallID)).step() else { return false }
        let (attemptID, campaignKey, settings, contactURL) = try Self.callNotificationContext(attempt)
        var record = try cdr(attemptID: attemptID)
        record.disconnectTime = Timestamp.nowMs()
        let planned = NotificationPlanner.plan(.progress(event), record: record, settings: settings, contactURL: contactURL)
        for notification in planned {
            try enqueueNotification(campaignKey: campaignKey, attemptID: attemptID, event: notification.event, url: notification.url,
                                    body: notification.body, headers: notification.headers, signatureHeader: notification.signatureHeader)
        }
        return !planned.isEmpty
    }
}
