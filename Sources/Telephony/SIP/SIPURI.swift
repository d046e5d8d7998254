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
        var rest = Substring(text)
        if rest.lowercased().hasPrefix("sips:") {
            secure = true
            rest = rest.dropFirst(5)
        } else if rest.lowercased().hasPrefix("sip:") {
            secure = false
            rest = rest.dropFirst(4)
        } else {
            throw .notSIPScheme
        }
        if let q = rest.firstIndex(of: "?") {
            headers = String(rest[rest.index(after: q)...])
            rest = rest[..<q]
        } else {
            headers = nil
        }
        // The user part may itself contain ';' (RFC 3261 allows it in user), so split on the last '@'.
        user = nil
        password = nil
        if let at = rest.lastIndex(of: "@") {
            let userinfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            guard !userinfo.isEmpty, userinfo.allSatisfy(Self.isUserCharacter) else {
                throw .invalidUser(String(userinfo))
            }
            if let colon = userinfo.firstIndex(of: ":") {
                user = String(userinfo[..<colon])
                password = String(userinfo[userinfo.index(after: colon)...])
            } else {
                user = String(userinfo)
            }
        }
        var params: [(name: String, value: String?)] = []
        let pieces = rest.split(separator: ";", omittingEmptySubsequences: false)
        var hostPort = pieces.first ?? ""
        for piece in pieces.dropFirst() where !piece.isEmpty {
            if let eq = piece.firstIndex(of: "=") {
                params.append((String(piece[..<eq]).lowercased(), String(piece[piece.index(after: eq)...])))
            } else {
                params.append((String(piece).lowercased(), nil))
            }
        }
        parameters = params
        guard !hostPort.isEmpty else { throw .missingHost }
        port = nil
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw .invalidHost(String(hostPort)) }
            let after = hostPort[hostPort.index(after: close)...]
            if after.hasPrefix(":") {
                port = try Self.parsePort(after.dropFirst())
            } else if !after.isEmpty {
                throw .invalidHost(String(hostPort))
            }
            hostPort = hostPort[...close]
            let inner = hostPort.dropFirst().dropLast()
            guard !inner.isEmpty, inner.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw .invalidHost(String(hostPort))
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            port = try Self.parsePort(hostPort[hostPort.index(after: colon)...])
            hostPort = hostPort[..<colon]
        }
        guard Self.isValidHost(hostPort) else { throw .invalidHost(String(hostPort)) }
        host = hostPort.lowercased()
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

    private static func parsePort(_ text: Substring) throws(ParseError) -> Int {
        guard let port = Int(text), (1...65535).contains(port) else { throw .invalidPort(String(text)) }
        return port
    }

    // RFC 3261 §25.1: user = 1*( unreserved / escaped / user-unreserved ), plus ':' before password.
    private static func isUserCharacter(_ c: Character) -> Bool {
        guard c.isASCII else { return false }
        return c.isLetter || c.isNumber || "-_.!~*'()%&=+$,;?/:".contains(c)
    }

    private static func isValidHost(_ host: Substring) -> Bool {
        if host.hasPrefix("[") { return true }
        guard !host.isEmpty, host.count <= 253 else { return false }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }
}
