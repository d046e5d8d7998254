/// A SIP request method (RFC 3261 §7.1 and the extensions campaignd speaks).
///
/// Methods are case-sensitive tokens: `INVITE` is `.invite`, `invite` is `.extension("invite")`.
/// The parser turns the start line's and the CSeq's method into this once; sources match the cases.
public enum SIPMethod: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
    case invite, ack, bye, cancel, options, register
    /// RFC 3262.
    case prack
    /// RFC 3311.
    case update
    /// RFC 6086.
    case info
    /// RFC 6665.
    case subscribe, notify
    /// RFC 3515.
    case refer
    /// RFC 3428.
    case message
    /// Any other token, kept as written.
    case `extension`(String)

    public init(rawValue: String) {
        switch rawValue {
        case "INVITE": self = .invite
        case "ACK": self = .ack
        case "BYE": self = .bye
        case "CANCEL": self = .cancel
        case "OPTIONS": self = .options
        case "REGISTER": self = .register
        case "PRACK": self = .prack
        case "UPDATE": self = .update
        case "INFO": self = .info
        case "SUBSCRIBE": self = .subscribe
        case "NOTIFY": self = .notify
        case "REFER": self = .refer
        case "MESSAGE": self = .message
        default: self = .extension(rawValue)
        }
    }

    /// The token as it goes on the wire.
    public var rawValue: String {
        switch self {
        case .invite: "INVITE"
        case .ack: "ACK"
        case .bye: "BYE"
        case .cancel: "CANCEL"
        case .options: "OPTIONS"
        case .register: "REGISTER"
        case .prack: "PRACK"
        case .update: "UPDATE"
        case .info: "INFO"
        case .subscribe: "SUBSCRIBE"
        case .notify: "NOTIFY"
        case .refer: "REFER"
        case .message: "MESSAGE"
        case .extension(let token): token
        }
    }

    public var description: String { rawValue }

    /// `.extension("INVITE")` and `.invite` are one method: compare and hash the token.
    public static func == (lhs: SIPMethod, rhs: SIPMethod) -> Bool { lhs.rawValue == rhs.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}

extension SIPMethod: ExpressibleByStringLiteral {
    /// For tests and scenarios written as text (`"INVITE"`); sources use the cases.
    public init(stringLiteral value: String) { self.init(rawValue: value) }
}
