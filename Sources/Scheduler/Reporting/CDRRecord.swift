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
    /// nil only while the call is in progress (the record a webhook of an `answered` or AMD event
    /// is made from); every CDR line has both.
    public var status: CallOutcome.Status?
    public var reasonCode: CallOutcome.ReasonCode?
    public var reason: String?
    public var sipCode: Int?
    /// Where a 3xx redirect sent the call (the last hop), when one did.
    public var redirectedTo: String? = nil
    public var machineDetection: AMDEvent.Kind?
    public var amdDecisionMs: Int?
    public var beepDetected: Bool?
    /// The callee pressed the opt-out digit (and the number went on the DNC list).
    public var optedOut: Bool = false
    public var willRetry: Bool
    public var nextAttemptAt: Int64?
    /// JSON object text: the campaign's and the contact's metadata.
    public var metadata: String
    /// The time zones the calling window was checked in (all had to be open), `&`-separated as the
    /// attempts row keeps them (a number known only by its country has all the country's: 42 for +1),
    /// and where they came from. Kept as text: most records are only ever written out.
    public var timeZoneList: String? = nil
    public var zoneSource: ZoneSource? = nil

    /// `timeZoneList` as identifiers.
    public var timeZones: [String]? { timeZoneList.map { $0.split(separator: "&").map(String.init) } }
    /// Where the attempt stands in the CDR file: finished attempts are numbered 1, 2, 3… in the order
    /// they were committed, and the file holds them in that order (nil: not finished yet).
    public var cdrSeq: Int64? = nil
    /// Where the answered call was put through (`onHuman.connect` / `onMachine.connect`), when it was.
    public var connectTarget: String? = nil
    /// The second leg's final status (bridge), or the REFER's outcome (refer).
    public var connectSipCode: Int? = nil
    /// From the end of the person's greeting to the agent's answer.
    public var connectAnswerMs: Int64? = nil
    /// How long the person and the agent were bridged.
    public var connectedSec: Double? = nil
    /// Nobody took the person in time (nil when no connect was tried).
    public var abandoned: Bool? = nil

    public var ringDurationMs: Int64? {
        guard let ringTime else { return nil }
        return (connectTime ?? disconnectTime) - ringTime
    }

    public var connectDurationMs: Int64? {
        connectTime.map { disconnectTime - $0 }
    }

    /// Answered time rounded to whole seconds (0 when never answered).
    public var callDurationSec: Int64 {
        connectDurationMs.map { ($0 + 500) / 1000 } ?? 0
    }

    /// The CDR as one line of JSON (keys in DESIGN.md's order, times ISO 8601 UTC with ms).
    public var jsonLine: String {
        var json = JSONObjectWriter()
        json.bool("outboundCall", true)
        // Second on the line, always: `CDRFile` reads it from a line's start to know where it stopped.
        json.number("cdrSeq", cdrSeq)
        json.string("cdrId", cdrId)
        json.string("conversationId", conversationId)
        json.string("sipCallId", sipCallId)
        json.string("campaignId", campaignId)
        json.number("contactId", contactId)
        json.number("attempt", attempt)
        json.string("target", target)
        json.string("caller", caller)
        json.string("trunk", trunk)
        json.time("startTime", startTime)
        json.time("ringTime", ringTime)
        json.time("connectTime", connectTime)
        json.time("disconnectTime", disconnectTime)
        json.number("ringDurationMs", ringDurationMs)
        json.number("connectDurationMs", connectDurationMs)
        json.number("callDurationSec", callDurationSec)
        json.string("status", status?.rawValue)
        json.string("reasonCode", reasonCode?.rawValue)
        json.string("reason", reason)
        json.number("sipCode", sipCode)
        json.string("redirectedTo", redirectedTo)
        json.string("machineDetection", machineDetection?.rawValue)
        json.number("amdDecisionMs", amdDecisionMs)
        json.bool("beepDetected", beepDetected)
        json.bool("optedOut", optedOut)
        json.bool("willRetry", willRetry)
        json.time("nextAttemptAt", nextAttemptAt)
        json.raw("metadata", metadata)
        // Zone identifiers hold no quote or backslash (IANA names: letters, digits, _+-/).
        json.raw("timeZones", timeZoneList.map { "[\"" + $0.replacingOccurrences(of: "&", with: "\",\"") + "\"]" } ?? "null")
        json.string("zoneSource", zoneSource?.rawValue)
        json.string("connectTarget", connectTarget)
        json.number("connectSipCode", connectSipCode)
        json.number("connectAnswerMs", connectAnswerMs)
        json.seconds("connectedSec", connectedSec)
        json.bool("abandoned", abandoned)
        return json.result
    }
}
