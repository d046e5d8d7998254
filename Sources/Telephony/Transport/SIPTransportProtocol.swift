/// The transport a SIP message travels on (RFC 3261 §18): a trunk's `transport` setting, a URI's
/// `transport` parameter, a Via's protocol.
public enum SIPTransportProtocol: String, Sendable, Hashable, CaseIterable {
    case udp
    case tcp

    /// Reliable transports carry each message once: no retransmission timers (§17.1.1.2, §17.1.2.2).
    public var isReliable: Bool {
        switch self {
        case .udp: false
        case .tcp: true
        }
    }

    /// As written in a Via (`SIP/2.0/TCP`).
    public var viaName: String { rawValue.uppercased() }

    /// From a Via's protocol or a URI's `transport` parameter (any case); nil for one we do not speak.
    public init?(token: String) {
        switch token.lowercased() {
        case "udp": self = .udp
        case "tcp": self = .tcp
        default: return nil
        }
    }
}
