/// An SDP media direction attribute (RFC 3264 §5.1, §6.1): what a new offer asks for, and the
/// answer it gets from us.
enum SDPDirection: String, Sendable, Equatable {
    case sendrecv, sendonly, recvonly, inactive

    /// The direction of `offer`'s audio (its last direction attribute, `sendrecv` when none); an
    /// RFC 2543 hold (`c=` address 0.0.0.0) counts as `sendonly`.
    init(offer: [UInt8]) {
        let text = String(decoding: offer.prefix(8192), as: UTF8.self)
        var direction = SDPDirection.sendrecv
        for line in text.split(whereSeparator: \.isNewline) {
            if line.hasPrefix("a="), let found = SDPDirection(rawValue: String(line.dropFirst(2))) { direction = found }
            if line.hasPrefix("c="), line.hasSuffix(" 0.0.0.0"), direction == .sendrecv { direction = .sendonly }
        }
        self = direction
    }

    /// Our answer to an offer in this direction (RFC 3264 §6.1).
    var answer: SDPDirection {
        switch self {
        case .sendrecv: .sendrecv
        case .sendonly: .recvonly
        case .recvonly: .sendonly
        case .inactive: .inactive
        }
    }

    /// Whether the offerer will send media.
    var remoteSends: Bool { self == .sendrecv || self == .sendonly }
}
