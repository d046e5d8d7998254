/// Where a call goes: a global phone number (sent to a trunk) or a SIP URI (sent as it is).
public enum DialTarget: Sendable, Hashable, CustomStringConvertible {
    /// An E.164 number, always `+` followed by 8 to 15 digits.
    case e164(String)
    case sip(SIPURI)

    /// The canonical text stored in the queue and written to CDRs.
    public var description: String {
        switch self {
        case .e164(let number): number
        case .sip(let uri): uri.description
        }
    }
}
