/// A SIP trunk: where calls to phone numbers go, and the credentials it may ask for.
public struct SIPTrunk: Sendable, Equatable {
    public var name: String
    public var host: String
    public var port: Int
    public var username: String?
    /// Never logged.
    public var password: String?
    /// `udp` or `tcp` (RFC 3261 §18).
    public var transport: SIPTransportProtocol
    /// Where requests are sent instead of `host` (RFC 3261 §8.1.2), put first in the Route set.
    public var outboundProxy: SIPDestination?
    /// The Request-URI and To host for phone numbers (`sip:+1555…@domain;user=phone`); default `host:port`.
    public var domain: String?
    /// The From host when the campaign names no `callerHost`; default our own address.
    public var fromDomain: String?
    /// Credentials are only given to challenges from this realm.
    public var realm: String?
    /// Send the campaign's caller as `P-Asserted-Identity` with `Privacy: none` (RFC 3325), for
    /// carriers that trust the dialer's identity.
    public var assertIdentity: Bool
    /// Register with the registrar (RFC 3261 §10): calls wait while the trunk is not registered.
    public var register: Bool
    /// Where REGISTERs go; default where the trunk's requests go.
    public var registrar: SIPDestination?
    /// The binding's lifetime asked for, in seconds.
    public var expires: Int

    public init(name: String, host: String, port: Int = 5060, username: String? = nil, password: String? = nil,
                transport: SIPTransportProtocol = .udp, outboundProxy: SIPDestination? = nil, domain: String? = nil,
                fromDomain: String? = nil, realm: String? = nil, assertIdentity: Bool = false, register: Bool = false,
                registrar: SIPDestination? = nil, expires: Int = 3600) {
        self.name = name
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.transport = transport
        self.outboundProxy = outboundProxy
        self.domain = domain
        self.fromDomain = fromDomain
        self.realm = realm
        self.assertIdentity = assertIdentity
        self.register = register
        self.registrar = registrar
        self.expires = expires
    }

    /// Where the trunk's requests go: its outbound proxy, else its host.
    public var destination: SIPDestination { outboundProxy ?? SIPDestination(host: host, port: port, transport: transport) }

    /// The host part of a phone number's Request-URI.
    public var requestURIHost: String { domain ?? "\(SIPURI.hostReference(host)):\(port)" }
}

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

/// What happens to a call, in order: the Dialer's event stream.
public enum CallEvent: Sendable, Equatable {
    /// The INVITE was sent (`sipCallID` names the call in logs and CDRs).
    case inviteSent(sipCallID: String)
    /// 100 Trying.
    case trying
    /// 180 Ringing.
    case ringing
    /// 183 Session Progress with early media.
    case earlyMedia
    /// 2xx: the callee answered; the remote SDP answer.
    case answered(remoteSDP: String)
    /// Answering-machine detection reported something (times are from the answer).
    case amd(AMDEvent)
    /// A prompt started playing.
    case promptStarted(CallScriptStateMachine.Prompt)
    /// The callee pressed a key (RFC 4733).
    case digit(Character)
    /// The callee pressed the opt-out digit: put the number on the DNC list.
    case optedOut(Character)
    case ended(CallResult)
}

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

    public init(outcome: CallOutcome, sipCallID: String, startTime: Int64, ringTime: Int64?, connectTime: Int64?, disconnectTime: Int64,
                machineDetection: AMDEvent? = nil, beepDetected: Bool? = nil, optedOutDigit: Character? = nil, redirectedTo: String? = nil) {
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

/// Places calls. `SIPDialer` does it over SIP; scheduler tests use a scripted one.
public protocol Dialer: Sendable {
    /// Starts the call and returns its events; the stream ends after `.ended`.
    func placeCall(_ request: CallRequest) async -> AsyncStream<CallEvent>
    /// Asks the call with `sipCallID` to hang up (CANCEL before answer, BYE after).
    func hangUp(sipCallID: String) async
    /// How many calls with media (a script) could start now without waiting for an RTP port; nil
    /// when there is no such limit. The dispatcher claims no media call while it is 0.
    func mediaCapacity() -> Int?
    /// Whether calls may go out through trunk `name` now: false while a trunk that registers
    /// (`register: true`) holds no binding with its registrar. The dispatcher claims no call for it then.
    func isTrunkReady(_ name: String) -> Bool
}

extension Dialer {
    public func mediaCapacity() -> Int? { nil }
    public func isTrunkReady(_ name: String) -> Bool { true }
}
