import Telephony

/// Kore.ai SmartAssist's call-status notifications (`notifyurl`, seed 003), in its sample's names
/// and key order: `Answered` at the answer, `Call-In-Progress` for each AMD event the call
/// subscribes to (`machineDetection` is the event's name), then `completed` after an answered call
/// or `Failed` for one never answered. Every body has `reason`, `reasonCode`, `callConnectTime`,
/// `ringDurationInMS` (ringing → answer) and `connectDurationInMS` (dial → answer). Sent with the
/// call's `notifyHeaders` (and Basic credentials when the profile has `notifyUsername`), signed
/// under `SAVG-Signature` when `notifications.signingSecret` is set. Progress and connect events
/// are not sent: SmartAssist has none.
enum KoreAINotifications {
    /// The header Kore.ai's Voice Gateway signs its notifications under (`t=…,v1=…`).
    static let signatureHeader = "SAVG-Signature"

    static func plan(_ stage: NotifyStage, record: CDRRecord, settings: CampaignSettings, url: String?) -> [PlannedNotification] {
        guard let url else { return [] }
        var json = JSONObjectWriter()
        json.string("conversationId", record.conversationId)
        let event: String
        switch stage {
        case .progress, .connect:
            return []
        case .answered:
            event = "Answered"
            answered(&json, record: record, connectTime: record.connectTime)
            json.string("status", event)
        case .amd(let amd):
            guard settings.amdEventsSubscription?.contains(amd.kind.rawValue) ?? true else { return [] }
            event = "Call-In-Progress"
            // As the seed's samples show it, an AMD event's callConnectTime is when the event happened.
            answered(&json, record: record, connectTime: record.connectTime.map { $0 + Int64(amd.timeMs) })
            json.string("status", event)
            json.string("machineDetection", amd.kind.rawValue)
        case .ended(.completed):
            event = "completed"
            json.string("reason", "200 OK")
            json.string("reasonCode", completedReasonCode(record.reasonCode))
            json.time("callConnectTime", record.connectTime)
            delays(&json, record)
            json.string("status", event)
            json.number("callDuration", callDurationSec(record))
            if let verdict = record.machineDetection { json.string("machineDetection", verdict.rawValue) }
            // SmartAssist's bot session; campaignd's counterpart is the attempt's CDR.
            json.string("sessionId", record.cdrId)
            json.time("callDisconnectTime", record.disconnectTime)
        case .ended(.failed):
            event = "Failed"
            let failure = failure(record)
            json.string("reason", failure.reason)
            json.string("reasonCode", failure.code)
            // The seed's sample of a failed call gives the time it failed here.
            json.time("callConnectTime", record.disconnectTime)
            delays(&json, record)
            json.string("status", event)
            json.time("callDisconnectTime", record.disconnectTime)
        }
        var headers = settings.notifyHeaders
        if let authorization = NotificationPlanner.basicAuthorization(settings) { headers.append(authorization) }
        return [PlannedNotification(event: event, url: url, body: json.result, headers: headers, signatureHeader: signatureHeader)]
    }

    /// What `Answered` and `Call-In-Progress` share: the 200 OK and the delays.
    private static func answered(_ json: inout JSONObjectWriter, record: CDRRecord, connectTime: Int64?) {
        json.string("reason", "200 OK")
        json.string("reasonCode", "OK")
        json.time("callConnectTime", connectTime)
        delays(&json, record)
    }

    /// `ringDurationInMS` (ringing → answer, or → the end of a call never answered; 0 when it never
    /// rang) and `connectDurationInMS` (dial → answer, or → the end).
    private static func delays(_ json: inout JSONObjectWriter, _ record: CDRRecord) {
        let answerOrEnd = record.connectTime ?? record.disconnectTime
        json.number("ringDurationInMS", record.ringTime.map { max(0, answerOrEnd - $0) } ?? 0)
        json.number("connectDurationInMS", max(0, answerOrEnd - record.startTime))
    }

    /// Whole seconds from the answer to the end, cut as the seed's sample cuts them (109.5 s is 109).
    static func callDurationSec(_ record: CDRRecord) -> Int64 {
        guard let connectTime = record.connectTime else { return 0 }
        return max(0, record.disconnectTime - connectTime) / 1000
    }

    /// Who ended an answered call, in the seed's words: the person (`Caller-disconnected`), the bot's
    /// side, which campaignd's script, agent or transfer stands for (`Bot-disconnected`), or the
    /// gateway itself: AMD hanging up on a machine, an AMD or media error, the duration limit
    /// (`KoreVG-disconnected`).
    static func completedReasonCode(_ code: CallOutcome.ReasonCode?) -> String {
        switch code {
        case .clientDisconnected?: "Caller-disconnected"
        case .dialerDisconnected?, .agentDisconnected?, .transferred?, .abandoned?: "Bot-disconnected"
        case .machineDetected?, .maxDuration?, .error?, .interrupted?, .noAnswer?, .busy?, .declined?, .invalidNumber?,
             .unavailable?, .incompatible?, nil:
            "KoreVG-disconnected"
        }
    }

    /// A failed call's `reason` ("486 Busy Here": the final response as received) and `reasonCode`
    /// (its status code's RFC 3261 phrase, "Busy Here"). A call that got no final response is given
    /// the code that stands for what happened (408 when nothing answered, 503 when the far end could
    /// not be reached, 500 otherwise), with campaignd's own words as its reason.
    static func failure(_ record: CDRRecord) -> (reason: String, code: String) {
        if let sipCode = record.sipCode {
            let phrase = SIPReasonPhrase.phrase(for: sipCode)
            return ("\(sipCode) \(record.reason ?? phrase)", phrase)
        }
        let nominal = switch record.reasonCode {
        case .noAnswer?: 408
        case .busy?: 486
        case .declined?: 603
        case .invalidNumber?: 404
        case .unavailable?: 503
        case .incompatible?: 488
        default: 500
        }
        let phrase = SIPReasonPhrase.phrase(for: nominal)
        return (record.reason ?? "\(nominal) \(phrase)", phrase)
    }
}
