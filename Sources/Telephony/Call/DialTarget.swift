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

extension DialTarget {
    /// A target from its canonical text (`description`, as stored in the queue): a `sip:` or
    /// `sips:` URI, else an E.164 number.
    public init(canonical text: String) {
        let lowered = text.prefix(5).lowercased()
        if lowered.hasPrefix("sip:") || lowered.hasPrefix("sips:"), let uri = try? SIPURI(parsing: text) {
            self = .sip(uri)
        } else {
            self = .e164(text)
        }
    }
}
