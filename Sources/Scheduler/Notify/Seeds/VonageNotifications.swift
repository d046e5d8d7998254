import Telephony

/// Vonage AI Studio's `status_url` callback (seed 001): sent only when the callee did not pick up,
/// once, as `{agent_id, to, conversation_uuid, status, timestamp}`. `agent_id` is the profile
/// (the call's campaign is named after it), `to` the number as the request wrote it (digits, no
/// `+`) or the SIP URI, `conversation_uuid` the call's `conversationId` (the `session_id` the
/// request was answered with), `timestamp` when the attempt ended. Answered calls send nothing,
/// nor do the stages before the end.
enum VonageNotifications {
    static func plan(_ stage: NotifyStage, record: CDRRecord, settings: CampaignSettings, url: String?) -> [PlannedNotification] {
        guard let url, case .ended(.failed) = stage else { return [] }
        let status = Self.status(record.reasonCode)
        var json = JSONObjectWriter()
        json.string("agent_id", record.campaignId)
        json.string("to", record.target.hasPrefix("+") ? String(record.target.dropFirst()) : record.target)
        json.string("conversation_uuid", record.conversationId)
        json.string("status", status)
        json.time("timestamp", record.disconnectTime)
        var headers = settings.notifyHeaders
        if let authorization = NotificationPlanner.basicAuthorization(settings) { headers.append(authorization) }
        return [PlannedNotification(event: status, url: url, body: json.result, headers: headers)]
    }

    /// AI Studio's word for why the call was not picked up: `busy` (486, 600), `rejected` (603),
    /// `timeout` (the ring time ran out: 487 to our CANCEL, or 408/480), `cancelled` (campaignd
    /// stopped during the call), `failed` (anything else: unknown number, unreachable, an error).
    static func status(_ reasonCode: CallOutcome.ReasonCode?) -> String {
        switch reasonCode {
        case .busy?: "busy"
        case .declined?: "rejected"
        case .noAnswer?: "timeout"
        case .interrupted?: "cancelled"
        case .invalidNumber?, .unavailable?, .incompatible?, .error?, .clientDisconnected?, .dialerDisconnected?, .machineDetected?,
             .maxDuration?, .agentDisconnected?, .transferred?, .abandoned?, nil:
            "failed"
        }
    }
}
