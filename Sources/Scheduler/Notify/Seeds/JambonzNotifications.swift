import Telephony

/// jambonz's (Cognigy Voice Gateway's, seed 000) webhooks for a call placed through `POST
/// /v1/Accounts/{account_sid}/Calls`: every status change to `call_status_hook` (the call's
/// `notifyUrl`), its call info in jambonz's names (`call_sid`, `call_id`, `call_status` trying,
/// ringing, early-media, in-progress, completed, busy, no-answer or failed, `sip_status`,
/// `sip_reason`, `duration` once completed, `customerData`: the request's `tag`), and AMD events
/// to `amd.actionHook` (`amdNotifyUrl`) as the call info with `type: "amd_…"` laid over it. Signed
/// under `Jambonz-Signature` (`t=…,v1=…`, HMAC-SHA256 of `t.body`) when a signing secret is set.
enum JambonzNotifications {
    static let signatureHeader = "Jambonz-Signature"

    static func plan(_ stage: NotifyStage, record: CDRRecord, settings: CampaignSettings, url: String?) -> [PlannedNotification] {
        let call = CallInfo(record)
        switch stage {
        case .progress(let progress):
            guard let url else { return [] }
            let (status, code) = switch progress {
            case .started: ("trying", 100)
            case .ringing: ("ringing", 180)
            case .earlyMedia: ("early-media", 183)
            }
            return [statusHook(status, call.json(status: status, sipStatus: code), url: url, settings: settings)]
        case .answered:
            guard let url else { return [] }
            return [statusHook("in-progress", call.json(status: "in-progress", sipStatus: 200), url: url, settings: settings)]
        case .amd(let event):
            guard let url = settings.amdNotifyUrl,
                  settings.amdEventsSubscription?.contains(event.kind.rawValue) ?? true else { return [] }
            var json = call.json(status: "in-progress", sipStatus: 200)
            let type = amdType(event)
            json.string("type", type)
            if let reason = amdReason(event) { json.string("reason", reason) }
            if event.kind == .toneDetected, let hz = event.frequencyHz { json.number("frequency", hz) }
            if event.kind == .error, let detail = event.detail { json.string("error", detail) }
            // The AMD hook is jambonz's application hook: the status hook's credentials are not sent to it.
            return [PlannedNotification(event: type, url: url, body: json.result, headers: [], signatureHeader: signatureHeader)]
        case .connect:
            return []
        case .ended(let outcome):
            guard let url else { return [] }
            if outcome == .completed {
                // jambonz: whole seconds from the answer to the hang-up, rounded down.
                let duration = record.connectTime.map { max(0, record.disconnectTime - $0) / 1000 } ?? 0
                return [statusHook("completed", call.json(status: "completed", sipStatus: 200, duration: duration), url: url, settings: settings)]
            }
            let (status, code, reason) = failure(record)
            return [statusHook(status, call.json(status: status, sipStatus: code, reason: reason), url: url, settings: settings)]
        }
    }

    /// A call-status webhook: the call's `notifyHeaders` and, with `call_status_hook`'s username and
    /// password, Basic credentials.
    static func statusHook(_ status: String, _ json: CallInfo.Body, url: String, settings: CampaignSettings) -> PlannedNotification {
        var headers = settings.notifyHeaders
        if let basic = NotificationPlanner.basicAuthorization(settings) { headers.append(basic) }
        return PlannedNotification(event: status, url: url, body: json.result, headers: headers, signatureHeader: signatureHeader)
    }

    /// A call that was never answered, as jambonz's createCall words it: 486 and 603 are `busy`, a
    /// CANCEL's 487 (the ring time ran out) is `no-answer`, anything else `failed`; without a final
    /// response, 487 for a ring time that ran out and 500 otherwise.
    static func failure(_ record: CDRRecord) -> (status: String, sipStatus: Int, reason: String) {
        guard let code = record.sipCode else {
            if record.reasonCode == .noAnswer { return ("no-answer", 487, SIPReasonPhrase.phrase(for: 487)) }
            return ("failed", 500, record.reason ?? SIPReasonPhrase.phrase(for: 500))
        }
        let reason = record.reason ?? SIPReasonPhrase.phrase(for: code)
        switch code {
        case 486, 603: return ("busy", code, reason)
        case 487: return ("no-answer", code, reason)
        default: return ("failed", code, reason)
        }
    }

    /// jambonz's AMD event names; a fax (which jambonz does not tell apart) is a machine.
    static func amdType(_ event: AMDEvent) -> String {
        event.kind == .faxDetected ? AMDEvent.Kind.machineDetected.rawValue : event.kind.rawValue
    }

    /// `reason` for verdicts: jambonz's `short greeting` (a person) and `long greeting` (a machine)
    /// where campaignd judged the greeting, else campaignd's own reason (`beep`, `sit`, `fax-tone`, …).
    static func amdReason(_ event: AMDEvent) -> String? {
        guard event.kind.isVerdict, let reason = event.reason else { return nil }
        switch (event.kind, reason) {
        case (.humanDetected, .greetingEnded): return "short greeting"
        case (.machineDetected, .wordCount), (.machineDetected, .greetingTooLong), (.machineDetected, .sentenceBreak),
             (.machineDetected, .unbrokenGreeting): return "long greeting"
        default: return reason.rawValue
        }
    }

    /// What jambonz's call info says of every call, from the CDR so far and what the endpoint kept in
    /// its metadata (`application_sid`, `account_sid`, `to`, `tag`).
    struct CallInfo {
        typealias Body = JSONObjectWriter
        var record: CDRRecord
        var to: String
        var accountSID: String?
        var applicationSID: String?
        /// The `tag` object's JSON text, as the request gave it.
        var customerData: String?

        init(_ record: CDRRecord) {
            self.record = record
            to = record.target
            let metadata = try? JSONParser.parse(Array(record.metadata.utf8), file: "metadata")
            if case .string(let sid)? = metadata?["account_sid"]?.value { accountSID = sid }
            if case .string(let sid)? = metadata?["application_sid"]?.value { applicationSID = sid }
            if let tag = metadata?["tag"], case .object = tag.value { customerData = tag.serialized }
            if let destination = metadata?["to"], case .string(let type)? = destination["type"]?.value {
                let key = switch type {
                case "user": "name"
                case "sip": "sipUri"
                default: "number"
                }
                if case .string(let named)? = destination[key]?.value { to = named }
            }
        }

        /// The call info in jambonz's order (`CallInfo.toJSON`, snake-cased); an AMD event's fields follow.
        func json(status: String, sipStatus: Int, reason: String? = nil, duration: Int64? = nil) -> Body {
            var json = JSONObjectWriter()
            json.string("call_sid", record.conversationId)
            json.string("direction", "outbound")
            json.string("from", record.caller)
            json.string("to", to)
            json.string("call_id", record.sipCallId)
            json.number("sip_status", sipStatus)
            json.string("sip_reason", reason ?? SIPReasonPhrase.phrase(for: sipStatus))
            json.string("call_status", status)
            if let accountSID { json.string("account_sid", accountSID) }
            if let applicationSID { json.string("application_sid", applicationSID) }
            if let duration { json.number("duration", duration) }
            if let customerData { json.raw("customerData", customerData) }
            return json
        }
    }
}
