import Telephony

/// The JSON a webhook receives for one call event (README "Webhooks" lists the fields).
public enum WebhookBody {
    /// Where the call is: the webhook's `status`.
    public enum Progress: Sendable, Equatable {
        /// Not answered yet: a call-progress event (`started`, `ringing`, `early-media`), its own status.
        case beforeAnswer(CallProgressEvent)
        /// Answered and still up (`answered` and AMD events).
        case answered
        case ended(CallOutcome.Status)

        var status: String {
            switch self {
            case .beforeAnswer(let event): event.rawValue
            case .answered: "answered"
            case .ended(let status): status.rawValue
            }
        }
    }

    /// `record` is the attempt as far as it has got: for `answered` and AMD events the call is still up.
    public static func json(event: String, record: CDRRecord, progress: Progress, amd: AMDEvent? = nil) -> String {
        // While the call is up (or not answered yet) there is no end: no disconnect time or durations.
        let ended: Bool = switch progress {
        case .ended: true
        case .answered, .beforeAnswer: false
        }
        var json = JSONObjectWriter()
        json.string("event", event)
        json.string("conversationId", record.conversationId)
        json.string("campaignId", record.campaignId)
        json.number("contactId", record.contactId)
        json.number("attempt", record.attempt)
        json.string("target", record.target)
        json.string("status", progress.status)
        json.string("reasonCode", record.reasonCode?.rawValue)
        json.string("reason", record.reason)
        json.number("sipCode", record.sipCode)
        json.time("callConnectTime", record.connectTime)
        json.time("callDisconnectTime", ended ? record.disconnectTime : nil)
        json.number("ringDurationMs", ended ? record.ringDurationMs : nil)
        json.number("connectDurationMs", ended ? record.connectDurationMs : nil)
        json.number("callDuration", ended ? record.callDurationSec : nil)
        json.string("machineDetection", record.machineDetection?.rawValue)
        json.number("amdDecisionMs", record.amdDecisionMs)
        json.bool("beepDetected", record.beepDetected)
        json.bool("willRetry", record.willRetry)
        if let amd {
            var detail = JSONObjectWriter()
            detail.string("event", amd.kind.rawValue)
            detail.number("timeMs", amd.timeMs)
            if let hz = amd.frequencyHz { detail.number("frequencyHz", hz) }
            json.raw("amd", detail.result)
        }
        json.raw("metadata", record.metadata)
        return json.result
    }
}
