import Telephony

/// AudioCodes VoiceAI Connect's call-status notifications (`notifyUrl`, seed 004): `answered`,
/// then `completed` or `failed`, with its `reasonCode` vocabulary, `reason` as a SIP Reason header
/// (`SIP ;cause=486 ;text="Busy Here"`), `connectTime` and `callDuration`. Sent with no
/// authorization header, as documented; AMD and progress events are not sent (VoiceAI Connect
/// tells those to the bot, not the dialer).
enum AudioCodesNotifications {
    static func plan(_ stage: NotifyStage, record: CDRRecord, settings: CampaignSettings, url: String?) -> [PlannedNotification] {
        guard let url else { return [] }
        var json = JSONObjectWriter()
        json.string("conversationId", record.conversationId)
        let event: String
        switch stage {
        case .progress, .amd, .connect:
            return []
        case .answered:
            event = "answered"
            json.string("status", event)
            json.time("connectTime", record.connectTime)
        case .ended(let status):
            event = status == .completed ? "completed" : "failed"
            json.string("status", event)
            let (code, reason) = reasonCode(record)
            json.string("reasonCode", code)
            json.string("reason", reason)
            if status == .completed {
                json.time("connectTime", record.connectTime)
                json.number("callDuration", record.callDurationSec)
                if settings.machineDetection == .detect, record.machineDetection == .machineDetected {
                    json.string("machineDetection", record.beepDetected == true ? "voicemail beep" : "voicemail timeout")
                }
            }
        }
        return [PlannedNotification(event: event, url: url, body: json.result, headers: [])]
    }

    /// `reasonCode` and `reason` as VoiceAI Connect words them.
    static func reasonCode(_ record: CDRRecord) -> (code: String, reason: String?) {
        let sipReason = record.sipCode.map { code in
            "SIP ;cause=\(code) ;text=\"\((record.reason ?? SIPReasonPhrase.phrase(for: code)).replacingOccurrences(of: "\"", with: "'"))\""
        }
        switch record.reasonCode {
        case .noAnswer?: return ("no-answer", sipReason ?? record.reason)
        case .busy?: return ("busy", sipReason ?? record.reason)
        case .declined?: return ("declined", sipReason ?? record.reason)
        case .machineDetected?:
            return ("machine-detected", record.machineDetection == .faxDetected ? "fax detected" : "voicemail detected")
        case .clientDisconnected?: return ("client-disconnected", record.reason)
        case .dialerDisconnected?, .agentDisconnected?, .maxDuration?, .abandoned?: return ("bot-disconnected", record.reason)
        case .transferred?: return ("transferred", record.reason)
        case .invalidNumber?, .unavailable?, .incompatible?, .error?, .interrupted?, nil: return ("error", sipReason ?? record.reason)
        }
    }
}
