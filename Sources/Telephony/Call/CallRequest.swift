/// One call to place: what the scheduler hands the Dialer.
public struct CallRequest: Sendable {
    public var target: DialTarget
    /// The trunk for phone numbers (required for `.e164` targets); SIP URI targets go to their own host
    /// unless a trunk is given.
    public var trunk: SIPTrunk?
    /// User part of From (E.164 or a SIP user name).
    public var caller: String?
    /// Host part of From; defaults to our own address.
    public var callerHost: String?
    public var callerDisplayName: String?
    /// Extra INVITE headers (`User-to-User`, `P-Preferred-Identity`, …).
    public var headers: [(name: String, value: String)]
    /// A preloaded Route set (RFC 3261 §8.1.2), each `<sip:…>`: the INVITE carries them as Route
    /// headers (after the trunk's outbound proxy) and goes to the first when there is no proxy.
    public var route: [String] = []
    /// Ring time before CANCEL (`answerTimeoutSec`).
    public var answerTimeout: Duration
    /// Answered time before BYE (`maxCallDurationSec`).
    public var maxCallDuration: Duration
    /// What to do once answered (AMD, prompts); nil leaves the call to the callee.
    public var script: CallScript?
    /// The Call-ID to use; nil lets the dialer make one. The dispatcher chooses it so that it can
    /// record the call as placed before the INVITE goes out.
    public var callID: String?

    public init(
        target: DialTarget, trunk: SIPTrunk? = nil, caller: String? = nil, callerHost: String? = nil,
        callerDisplayName: String? = nil, headers: [(name: String, value: String)] = [],
        answerTimeout: Duration = .seconds(30), maxCallDuration: Duration = .seconds(3600), script: CallScript? = nil
    ) {
        self.target = target
        self.trunk = trunk
        self.caller = caller
        self.callerHost = callerHost
        self.callerDisplayName = callerDisplayName
        self.headers = headers
        self.answerTimeout = answerTimeout
        self.maxCallDuration = maxCallDuration
        self.script = script
    }
}
