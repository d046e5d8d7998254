/// The end of a call: its outcome and when things happened (Unix milliseconds).
public struct CallResult: Sendable, Equatable {
    public var outcome: CallOutcome
    public var sipCallID: String
    public var startTime: Int64
    public var ringTime: Int64?
    public var connectTime: Int64?
    public var disconnectTime: Int64
    /// The last AMD verdict (nil when detection did not run or reached none).
    public var machineDetection: AMDEvent?
    /// Whether a voicemail beep was heard (nil when detection did not run).
    public var beepDetected: Bool?
    /// The opt-out digit, when the callee pressed it.
    public var optedOutDigit: Character?
    /// Where a 3xx redirect sent the call last (RFC 3261 §8.1.3.4), when one did.
    public var redirectedTo: String?
    /// Where the last INVITE went (`address:port`) when the trunk's host is a name resolved by DNS
    /// (RFC 3263); earlier targets that answered 503 or nothing were tried before it.
    public var trunkTarget: String?
    /// What connecting the call to an agent or bot did, when the script asked for it.
    public var connect: ConnectResult?

    public init(outcome: CallOutcome, sipCallID: String, startTime: Int64, ringTime: Int64?, connectTime: Int64?, disconnectTime: Int64,
                machineDetection: AMDEvent? = nil, beepDetected: Bool? = nil, optedOutDigit: Character? = nil, redirectedTo: String? = nil,
                connect: ConnectResult? = nil) {
        self.connect = connect
        self.redirectedTo = redirectedTo
        self.outcome = outcome
        self.sipCallID = sipCallID
        self.startTime = startTime
        self.ringTime = ringTime
        self.connectTime = connectTime
        self.disconnectTime = disconnectTime
        self.machineDetection = machineDetection
        self.beepDetected = beepDetected
        self.optedOutDigit = optedOutDigit
    }
}
