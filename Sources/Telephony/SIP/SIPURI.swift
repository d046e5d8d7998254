/// A `sip:` or `sips:` URI (RFC 3261 §19.1): `sip:user:password@host:port;params?headers`.
public struct SIPURI: Sendable, Hashable, CustomStringConvertible {
    public var secure: Bool
    public var user: String?
    public var password: String?
    public var host: String
    public var port: Int?
    /// URI parameters in their order of appearance; a parameter without `=` has an empty value.
    public var parameters: [(name: String, value: String?)]
    public var headers: String?

    public init(
        secure: Bool = false, user: String?, host: String, port: Int? = nil,
        parameters: [(name: String, value: String?)] = [], headers: String? = nil
    ) {
        self.secure = secure
        self.user = user
        self.password = nil
        self.host = host
        self.port = port
        self.parameters = parameters
        self.headers = headers
    }

    public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        case notSIPScheme
        case missingHost
        case invalidHost(String)
        case invalidPort(String)
        case invalidUser(String)

        public var description: String {
            switch self {
            case .notSIPScheme: "does not start with sip: or sips:"
            case .missingHost: "has no host"
            case .invalidHost(let host): "has an invalid host \"\(host)\""
            case .invalidPort(let port): "has an invalid port \"\(port)\""
            case .invalidUser(let user): "has an invalid user part \"\(user)\""
            }
        }
    }

    /// Parses `text`; the scheme is matched case-insensitively and the host is lower-cased.
    public init(parsing text: String) throws(ParseError) {
        self = try text.withSIPBytes(Self.parse).get()
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<SIPURI, ParseError> {
        var uri = SIPURI(user: nil, host: "")
        var lo = 0, hi = bytes.count
        if SIPBytes.equalsIgnoringCase(bytes, 0, min(5, hi), "sips:") {
            uri.secure = true
            lo = 5
        } else if SIPBytes.equalsIgnoringCase(bytes, 0, min(4, hi), "sip:") {
            lo = 4
        } else {
            return .failure(.notSIPScheme)
        }
        if let question = SIPBytes.firstIndex(of: UInt8(ascii: "?"), in: bytes, lo, hi) {
            uri.headers = SIPBytes.string(bytes, question + 1, hi)
            hi = question
        }
        // The user part may itself contain ';' (RFC 3261 allows it in user), so split on the last '@'.
        if let at = SIPBytes.lastIndex(of: UInt8(ascii: "@"), in: bytes, lo, hi) {
            guard at > lo, bytes[lo..<at].allSatisfy(isUserByte) else {
                return .failure(.invalidUser(SIPBytes.string(bytes, lo, at)))
            }
            if let colon = SIPBytes.firstIndex(of: UInt8(ascii: ":"), in: bytes, lo, at) {
                uri.user = SIPBytes.string(bytes, lo, colon)
                uri.password = SIPBytes.string(bytes, colon + 1, at)
            } else {
                uri.user = SIPBytes.string(bytes, lo, at)
            }
            lo = at + 1
        }
        var hostHi = SIPBytes.firstIndex(of: UInt8(ascii: ";"), in: bytes, lo, hi) ?? hi
        var piece = hostHi + 1
        while piece < hi {
            let end = SIPBytes.firstIndex(of: UInt8(ascii: ";"), in: bytes, piece, hi) ?? hi
            if end > piece {
                if let eq = SIPBytes.firstIndex(of: UInt8(ascii: "="), in: bytes, piece, end) {
                    uri.parameters.append((SIPBytes.lowercasedString(bytes, piece, eq), SIPBytes.string(bytes, eq + 1, end)))
                } else {
                    uri.parameters.append((SIPBytes.lowercasedString(bytes, piece, end), nil))
                }
            }
            piece = end + 1
        }
        guard hostHi > lo else { return .failure(.missingHost) }
        if bytes[lo] == UInt8(ascii: "[") {
            guard let close = SIPBytes.firstIndex(of: UInt8(ascii: "]"), in: bytes, lo, hostHi) else {
                return .failure(.invalidHost(SIPBytes.string(bytes, lo, hostHi)))
            }
            if close + 1 < hostHi {
                guard bytes[close + 1] == UInt8(ascii: ":") else { return .failure(.invalidHost(SIPBytes.string(bytes, lo, hostHi))) }
                switch parsePort(bytes, close + 2, hostHi) {
                case .success(let port): uri.port = port
                case .failure(let error): return .failure(error)
                }
            }
            hostHi = close + 1
            let inner = bytes[(lo + 1)..<close]
            guard !inner.isEmpty, inner.allSatisfy({ isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }) else {
                return .failure(.invalidHost(SIPBytes.string(bytes, lo, hostHi)))
            }
        } else {
            if let colon = SIPBytes.lastIndex(of: UInt8(ascii: ":"), in: bytes, lo, hostHi) {
                switch parsePort(bytes, colon + 1, hostHi) {
                case .success(let port): uri.port = port
                case .failure(let error): return .failure(error)
                }
                hostHi = colon
            }
            guard isValidHost(bytes, lo, hostHi) else { return .failure(.invalidHost(SIPBytes.string(bytes, lo, hostHi))) }
        }
        uri.host = SIPBytes.lowercasedString(bytes, lo, hostHi)
        return .success(uri)
    }

    public var description: String {
        var text = secure ? "sips:" : "sip:"
        if let user {
            text += user
            if let password { text += ":" + password }
            text += "@"
        }
        text += host
        if let port { text += ":\(port)" }
        for (name, value) in parameters {
            text += ";" + name
            if let value { text += "=" + value }
        }
        if let headers { text += "?" + headers }
        return text
    }

    public static func == (lhs: SIPURI, rhs: SIPURI) -> Bool {
        lhs.description == rhs.description
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(description)
    }

    /// The value of URI parameter `name` (case-insensitive); `""` for a parameter without a value.
    public func parameter(_ name: String) -> String? {
        let lowered = name.lowercased()
        return parameters.first { $0.name == lowered }.map { $0.value ?? "" }
    }

    private static func parsePort(_ bytes: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Result<Int, ParseError> {
        guard let port = SIPBytes.decimal(bytes, lo, hi), (1...65535).contains(port) else {
            return .failure(.invalidPort(SIPBytes.string(bytes, lo, hi)))
        }
        return .success(port)
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    // RFC 3261 §25.1: user = 1*( unreserved / escaped / user-unreserved ), plus ':' before password.
    private static func isUserByte(_ byte: UInt8) -> Bool {
        if isAlphanumeric(byte) { return true }
        switch byte {
        case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "!"), UInt8(ascii: "~"), UInt8(ascii: "*"),
            UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "="),
            UInt8(ascii: "+"), UInt8(ascii: "$"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "?"), UInt8(ascii: "/"),
            UInt8(ascii: ":"):
            return true
        default:
            return false
        }
    }

    private static func isValidHost(_ bytes: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Bool {
        guard hi > lo, hi - lo <= 253 else { return false }
        var labelStart = lo
        for index in lo...hi where index == hi || bytes[index] == UInt8(ascii: ".") {
            let length = index - labelStart
            guard length > 0, length <= 63, bytes[labelStart] != UInt8(ascii: "-"), bytes[index - 1] != UInt8(ascii: "-"),
                  bytes[labelStart..<index].allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "-") }) else { return false }
            labelStart = index + 1
        }
        return true
    }
}
