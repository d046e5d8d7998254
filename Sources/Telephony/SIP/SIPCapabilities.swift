/// What campaignd's user agent understands, as it advertises it in its INVITE (`Allow`,
/// `Supported`) and in its answer to OPTIONS (RFC 3261 §11.2: `Allow`, `Accept`, `Supported`).
public enum SIPCapabilities {
    /// The methods we handle, as a UAC and inside our dialogs (RFC 3311 UPDATE, RFC 6086 INFO,
    /// RFC 3262 PRACK).
    public static let allow = "INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO, PRACK"
    /// Option tags: reliable provisional responses (RFC 3262) and session timers (RFC 4028).
    public static let supported = "100rel, timer"
    /// Bodies we accept: SDP, and the two INFO bodies that carry key presses.
    public static let accept = "application/sdp, application/dtmf-relay, application/dtmf"

    /// The 200 OK to an OPTIONS request (a trunk's keep-alive or capability query), in or outside a call.
    public static func optionsResponse(to request: SIPMessage) -> SIPMessage {
        var ok = CallStateMachine.response(to: request, code: 200, reason: "OK")
        ok.addHeader("Allow", allow)
        ok.addHeader("Accept", accept)
        ok.addHeader("Supported", supported)
        return ok
    }
}
