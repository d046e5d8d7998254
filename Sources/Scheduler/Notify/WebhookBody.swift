import Telephony

/// The JSON a webhook receives for one call event (README "Webhooks" lists the fields).
public enum WebhookBody {
    /// `record` is the attempt as far as it has got: for `answered` and AMD events the call is still up.
    public static func json(event: String, record: CDRRecord, status: String, amd: AMDEvent? = nil) -> String {
        var out = "{\"event\":"
        JSONNode.appendQuoted(event, to: &out)
        func add(_ key: String, _ value: String?) {
            out += ",\"\(key)\":"
            if let value { JSONNode.appendQuoted(value, to: &out) } else { out += "null" }
        }
        func addNumber(_ key: String, _ value: Int64?) {
            out += ",\"\(key)\":" + (value.map(String.init) ?? "null")
        }
        add("conversationId", record.conversationId)
        add("campaignId", record.campaignId)
        addNumber("contactId", record.contactId)
        addNumber("attempt", Int64(record.attempt))
        add("target", record.target)
        add("status", status)
        add("reasonCode", record.reasonCode.isEmpty ? nil : record.reasonCode)
        add("reason", record.reason)
        addNumber("sipCode", record.sipCode.map(Int64.init))
        add("callConnectTime", record.connectTime.map(Timestamp.iso8601))
        add("callDisconnectTime", status == "answered" ? nil : Timestamp.iso8601(record.disconnectTime))
        addNumber("ringDurationMs", status == "answered" ? nil : record.ringDurationMs)
        addNumber("connectDurationMs", status == "answered" ? nil : record.connectDurationMs)
        addNumber("callDuration", status == "answered" ? nil : (record.connectDurationMs.map { ($0 + 500) / 1000 } ?? 0))
        add("machineDetection", record.machineDetection)
        addNumber("amdDecisionMs", record.amdDecisionMs.map(Int64.init))
        out += ",\"beepDetected\":" + (record.beepDetected.map { $0 ? "true" : "false" } ?? "null")
        out += ",\"willRetry\":" + (record.willRetry ? "true" : "false")
        if let amd {
            out += ",\"amd\":{\"event\":\"\(amd.kind.rawValue)\",\"timeMs\":\(amd.timeMs)"
            if let hz = amd.frequencyHz { out += ",\"frequencyHz\":\(hz)" }
            out += "}"
        }
        out += ",\"metadata\":" + record.metadata
        return out + "}"
    }
}
