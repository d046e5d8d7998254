/// Call-progress webhooks a campaign may ask for (`notifyEvents`), before the call is answered:
/// as IBM Voice Gateway's and jambonz's status hooks report them.
public enum CallProgressEvent: String, Sendable, Codable, CaseIterable {
    /// The INVITE went out.
    case started
    /// The callee is ringing (180).
    case ringing
    /// The callee sent early media (183 with SDP, or RTP before the answer).
    case earlyMedia = "early-media"
}
