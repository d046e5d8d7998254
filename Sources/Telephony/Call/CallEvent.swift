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
    /// 2xx: the callee answered; the remote SDP answer, and when (ms since the epoch: the dialer
    /// stamps it, the CDR's `connectTime` is the same; 0 from the state machine, which has no clock),
    /// and when it first rang (the CDR's `ringTime`; nil if it never did).
    case answered(remoteSDP: String, atMs: Int64 = 0, rangAtMs: Int64? = nil)
    /// Answering-machine detection reported something (times are from the answer).
    case amd(AMDEvent)
    /// A prompt started playing.
    case promptStarted(CallScriptStateMachine.Prompt)
    /// The callee pressed a key (RFC 4733).
    case digit(Character)
    /// The callee pressed the opt-out digit: put the number on the DNC list.
    case optedOut(Character)
    /// The person is being put through to an agent or bot (`onHuman.connect`).
    case connecting(target: String)
    /// The agent or bot answered and the two legs are bridged.
    case connected(target: String)
    /// The REFER was taken (NOTIFY with a 2xx sipfrag): our leg hangs up.
    case transferred(target: String)
    /// Nobody took the person in time (or the second leg failed): `abandonPlay`, then hang-up.
    case abandoned(target: String, sipCode: Int?)
    case ended(CallResult)
}

extension CallEvent {
    /// The webhook `event` name of a connect step (`connecting`, `connected`, `transferred`,
    /// `abandoned`) and of the others.
    public var webhookName: String {
        switch self {
        case .connecting: "connecting"
        case .connected: "connected"
        case .transferred: "transferred"
        case .abandoned: "abandoned"
        case .inviteSent: "invite-sent"
        case .trying: "trying"
        case .ringing: "ringing"
        case .earlyMedia: "early-media"
        case .answered: "answered"
        case .amd(let event): event.kind.rawValue
        case .promptStarted: "prompt-started"
        case .digit: "digit"
        case .optedOut: "opted-out"
        case .ended: "ended"
        }
    }
}
