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
