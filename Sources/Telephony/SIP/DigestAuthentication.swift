/// SIP digest authentication (RFC 3261 §22, RFC 2617, RFC 7616 / RFC 8760 for SHA-256):
/// parse a WWW-Authenticate or Proxy-Authenticate challenge and answer it.
public struct DigestChallenge: Sendable, Equatable {
    public enum Algorithm: String, Sendable {
        case md5 = "MD5"
        case sha256 = "SHA-256"
    }

    public var realm: String
    public var nonce: String
    public var opaque: String?
    public var algorithm: Algorithm
    /// The qop options offered; we answer `auth` when it is offered.
    public var qopOptions: [String]
    /// The server says our last nonce was stale: retry with the new one, same credentials.
    public var stale: Bool

    public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        case notDigest
        case missing(String)
        case unsupportedAlgorithm(String)

        public var description: String {
            switch self {
            case .notDigest: "challenge is not Digest"
            case .missing(let name): "challenge has no \(name)"
            case .unsupportedAlgorithm(let name): "challenge algorithm \(name) is not supported (MD5 or SHA-256)"
            }
        }
    }

    /// Parses `Digest realm="…", nonce="…", qop="auth,auth-int", algorithm=MD5, opaque="…", stale=TRUE`.
    public init(parsing value: String) throws(ParseError) {
        let trimmed = value.trimmingSIPWhitespace()
        guard trimmed.lowercased().hasPrefix("digest") else { throw .notDigest }
        var fields: [String: String] = [:]
        for item in SIPMessage.splitList(String(trimmed.dropFirst(6))) {
            guard let eq = item.firstIndex(of: "=") else { continue }
            let name = item[..<eq].trimmingSIPWhitespace().lowercased()
            var fieldValue = item[item.index(after: eq)...].trimmingSIPWhitespace()
            if fieldValue.hasPrefix("\""), fieldValue.hasSuffix("\""), fieldValue.count >= 2 {
                fieldValue = String(fieldValue.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
            }
            fields[name] = fieldValue
        }
        guard let realm = fields["realm"] else { throw .missing("realm") }
        guard let nonce = fields["nonce"] else { throw .missing("nonce") }
        self.realm = realm
        self.nonce = nonce
        opaque = fields["opaque"]
        switch (fields["algorithm"] ?? "MD5").uppercased() {
        case "MD5": algorithm = .md5
        case "SHA-256": algorithm = .sha256
        default: throw .unsupportedAlgorithm(fields["algorithm"] ?? "")
        }
        qopOptions = (fields["qop"] ?? "").split(separator: ",").map { $0.trimmingSIPWhitespace().lowercased() }.filter { !$0.isEmpty }
        stale = fields["stale"]?.lowercased() == "true"
    }

    public init(realm: String, nonce: String, opaque: String? = nil, algorithm: Algorithm = .md5, qopOptions: [String] = [], stale: Bool = false) {
        self.realm = realm
        self.nonce = nonce
        self.opaque = opaque
        self.algorithm = algorithm
        self.qopOptions = qopOptions
        self.stale = stale
    }

    private func digest(_ text: String) -> String {
        switch algorithm {
        case .md5: MD5.hexDigest(Array(text.utf8))
        case .sha256: SHA256.hexDigest(Array(text.utf8))
        }
    }

    /// The `response` value: KD(H(A1), nonce:nc:cnonce:qop:H(A2)), or without qop KD(H(A1), nonce:H(A2)).
    public func response(username: String, password: String, method: String, uri: String, nonceCount: UInt32, cnonce: String) -> String {
        let ha1 = digest("\(username):\(realm):\(password)")
        let ha2 = digest("\(method):\(uri)")
        if qopOptions.contains("auth") {
            return digest("\(ha1):\(nonce):\(Self.nc(nonceCount)):\(cnonce):auth:\(ha2)")
        }
        return digest("\(ha1):\(nonce):\(ha2)")
    }

    /// The Authorization / Proxy-Authorization header value answering this challenge.
    /// It carries the response hash: never log it.
    public func authorization(username: String, password: String, method: String, uri: String, nonceCount: UInt32, cnonce: String) -> String {
        let response = response(username: username, password: password, method: method, uri: uri, nonceCount: nonceCount, cnonce: cnonce)
        var value = "Digest username=\"\(username)\", realm=\"\(realm)\", nonce=\"\(nonce)\", uri=\"\(uri)\", response=\"\(response)\", algorithm=\(algorithm.rawValue)"
        if qopOptions.contains("auth") {
            value += ", qop=auth, nc=\(Self.nc(nonceCount)), cnonce=\"\(cnonce)\""
        }
        if let opaque { value += ", opaque=\"\(opaque)\"" }
        return value
    }

    private static func nc(_ count: UInt32) -> String {
        let digits = String(count, radix: 16)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}
