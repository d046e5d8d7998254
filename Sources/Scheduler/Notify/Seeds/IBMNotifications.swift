import Telephony

/// IBM Voice Gateway's asynchronous notifications (`statusWebhook`, seed 002): `{vgwSessionID,
/// callState, failureReason}` with `callState` `started` (the INVITE went out), `ringing` (180),
/// `active` (answered), `transferred` (the REFER was taken), then `ended` for an answered call or
/// `failed` for one never answered, whose `failureReason` is the final response (`486 Busy Here`)
/// or what happened instead. Early media and AMD events have no call state and send nothing.
/// Sent with `Authorization: Basic` from `statusWebhookUsername`/`statusWebhookPassword`
/// (`notifyUsername`/`notifyPassword`), and the profile's `notifyHeaders`.
enum IBMNotifications {
    static func plan(_ stage: NotifyStage, record: CDRRecord, settings: CampaignSettings, url: String?) -> [PlannedNotification] {
        guard let url else { return [] }
        let callState: String
        var failureReason: String?
        switch stage {
        case .progress(.started): callState = "started"
        case .progress(.ringing): callState = "ringing"
        case .progress(.earlyMedia), .amd: return []
        case .answered: callState = "active"
        case .connect(let name):
            guard name == "transferred" else { return [] }
            callState = "transferred"
        case .ended(.completed): callState = "ended"
        case .ended(.failed):
            callState = "failed"
            failureReason = Self.failureReason(record)
        }
        var json = JSONObjectWriter()
        json.string("vgwSessionID", record.conversationId)
        json.string("callState", callState)
        if let failureReason { json.string("failureReason", failureReason) }
        var headers = settings.notifyHeaders
        if let authorization = NotificationPlanner.basicAuthorization(settings) { headers.append(authorization) }
        return [PlannedNotification(event: callState, url: url, body: json.result, headers: headers)]
    }

    /// The final response as a status line's code and phrase (`486 Busy Here`), else what ended the
    /// call in words (no response, a transport error, campaignd stopping).
    static func failureReason(_ record: CDRRecord) -> String {
        if let code = record.sipCode, code >= 300 {
            return "\(code) \(record.reason ?? SIPReasonPhrase.phrase(for: code))"
        }
        return record.reason ?? record.reasonCode?.rawValue ?? "the call failed"
    }
}
