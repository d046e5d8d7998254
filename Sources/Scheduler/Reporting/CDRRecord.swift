import Telephony

/// One call detail record: one per attempt (DESIGN.md "CDR"), always `"outboundCall": true`.
public struct CDRRecord: Sendable, Equatable {
    public var cdrId: String
    public var conversationId: String
    public var sipCallId: String?
    public var campaignId: String
    public var contactId: Int64
    public var attempt: Int
    public var target: String
    public var caller: String?
    public var trunk: String?
    /// Unix milliseconds.
    public var startTime: Int64
    public var ringTime: Int64?
    public var connectTime: Int64?
    public var disconnectTime: Int64
    public var status: String
    public var reasonCode: String
    public var reason: String?
    public var sipCode: Int?
    public var machineDetection: String?
    public var amdDecisionMs: Int?
    public var beepDetected: Bool?
    /// The callee pressed the opt-out digit (and the number went on the DNC list).
    public var optedOut: Bool = false
    public var willRetry: Bool
    public var nextAttemptAt: Int64?
    /// JSON object text: the campaign's and the contact's metadata.
    public var metadata: String

    public var ringDurationMs: Int64? {
        guard let ringTime else { return nil }
        return (connectTime ?? disconnectTime) - ringTime
    }

    public var connectDurationMs: Int64? {
        connectTime.map { disconnectTime - $0 }
    }

    /// The CDR as one line of JSON (keys in DESIGN.md's order, times ISO 8601 UTC with ms).
    public var jsonLine: String {
        var out = "{\"outboundCall\":true"
        func add(_ key: String, _ value: String?) {
            out += ",\"\(key)\":"
            if let value { JSONNode.appendQuoted(value, to: &out) } else { out += "null" }
        }
        func addNumber(_ key: String, _ value: Int64?) {
            out += ",\"\(key)\":" + (value.map(String.init) ?? "null")
        }
        func addTime(_ key: String, _ value: Int64?) { add(key, value.map(Timestamp.iso8601)) }
        add("cdrId", cdrId)
        add("conversationId", conversationId)
        add("sipCallId", sipCallId)
        add("campaignId", campaignId)
        addNumber("contactId", contactId)
        addNumber("attempt", Int64(attempt))
        add("target", target)
        add("caller", caller)
        add("trunk", trunk)
        addTime("startTime", startTime)
        addTime("ringTime", ringTime)
        addTime("connectTime", connectTime)
        addTime("disconnectTime", disconnectTime)
        addNumber("ringDurationMs", ringDurationMs)
        addNumber("connectDurationMs", connectDurationMs)
        addNumber("callDurationSec", connectDurationMs.map { ($0 + 500) / 1000 } ?? 0)
        add("status", status)
        add("reasonCode", reasonCode)
        add("reason", reason)
        addNumber("sipCode", sipCode.map(Int64.init))
        add("machineDetection", machineDetection)
        addNumber("amdDecisionMs", amdDecisionMs.map(Int64.init))
        out += ",\"beepDetected\":" + (beepDetected.map { $0 ? "true" : "false" } ?? "null")
        out += ",\"optedOut\":" + (optedOut ? "true" : "false")
        out += ",\"willRetry\":" + (willRetry ? "true" : "false")
        addTime("nextAttemptAt", nextAttemptAt)
        out += ",\"metadata\":" + metadata
        return out + "}"
    }
}
