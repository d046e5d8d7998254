import Foundation
import IO
import Telephony

/// How the drop-in endpoints find the key (`api.keys`, scope `calls`) a request is made with, each
/// as its API documents it: Basic and Bearer (AudioCodes, IBM, jambonz), OAuth 2.0 access tokens
/// from `POST /oauth/token` (AudioCodes), an HS256 JWT in the `auth` header (Kore.ai), and
/// `X-Vgai-Key` (Vonage). Secrets, tokens and signatures are never logged.
final class SeedAuth: @unchecked Sendable {
    // @unchecked Sendable: `lock` guards `tokens`; the rest never changes.
    let authenticator: APIAuthenticator
    /// How long an OAuth access token lasts.
    let tokenLifetimeSec: Int
    private let lock = NSLock()
    private var tokens: [String: (keyName: String, expires: Date)] = [:]

    init(authenticator: APIAuthenticator, tokenLifetimeSec: Int = 3600) {
        self.authenticator = authenticator
        self.tokenLifetimeSec = tokenLifetimeSec
    }

    /// `Authorization: Basic NAME:SECRET` or `Bearer SECRET`, or `Bearer TOKEN` for a token this
    /// daemon issued and that has not expired.
    func basicOrBearer(_ headers: HTTPHeaders, now: Date = Date()) -> APIKey? {
        if let key = authenticator.key(for: headers) { return key }
        guard let value = headers["Authorization"]?.trimmingCharacters(in: .whitespaces),
              value.lowercased().hasPrefix("bearer ") else { return nil }
        let token = value.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces)
        let name: String? = lock.withLock {
            tokens = tokens.filter { $0.value.expires > now }
            return tokens[token]?.keyName
        }
        return name.flatMap { authenticator.key(named: $0) }
    }

    /// `X-Vgai-Key: SECRET`.
    func vgaiKey(_ headers: HTTPHeaders) -> APIKey? {
        guard let secret = headers["X-Vgai-Key"]?.trimmingCharacters(in: .whitespaces), !secret.isEmpty else { return nil }
        return authenticator.key(secret: Array(secret.utf8))
    }

    /// What `POST /oauth/token` answers (RFC 6749 §4.4 client credentials): the client is a key's
    /// name and secret, in the form body (`client_id`, `client_secret`) or as Basic credentials.
    enum TokenOutcome: Equatable {
        case issued(token: String, expiresIn: Int)
        /// RFC 6749 §5.2 error code and its description.
        case refused(status: Int, error: String, description: String)
    }

    func issueToken(form: [String: String], headers: HTTPHeaders, now: Date = Date()) -> TokenOutcome {
        guard let grant = form["grant_type"] else {
            return .refused(status: 400, error: "invalid_request", description: "grant_type is required (client_credentials)")
        }
        guard grant == "client_credentials" else {
            return .refused(status: 400, error: "unsupported_grant_type", description: "only client_credentials is supported")
        }
        var key: APIKey?
        if let id = form["client_id"], let secret = form["client_secret"] {
            key = authenticator.key(named: id).flatMap { candidate in
                APIAuthenticator.constantTimeEquals(Array(candidate.secret.utf8), Array(secret.utf8)) ? candidate : nil
            }
        } else if headers["Authorization"]?.lowercased().hasPrefix("basic ") == true {
            key = authenticator.key(for: headers)
        }
        guard let key else { return .refused(status: 401, error: "invalid_client", description: "unknown client or wrong secret") }
        let token = RandomBytes.hex(32)
        lock.withLock { tokens[token] = (key.name, now.addingTimeInterval(TimeInterval(tokenLifetimeSec))) }
        return .issued(token: token, expiresIn: tokenLifetimeSec)
    }

    /// Why a JWT was refused (the seeds answer 401 for each).
    enum JWTRefusal: Error, Equatable, CustomStringConvertible {
        case malformed
        case unsupportedAlgorithm(String)
        case badSignature
        case expired

        var description: String {
            switch self {
            case .malformed: "the JWT is not three base64url parts with JSON header and claims"
            case .unsupportedAlgorithm(let alg): "the JWT's alg is \(alg); only HS256 is accepted"
            case .badSignature: "the JWT is not signed with the secret of any key"
            case .expired: "the JWT has expired (exp)"
            }
        }
    }

    /// An HS256 JWT (RFC 7519, RFC 7515) signed with one key's secret; its `exp` (seconds since the
    /// epoch), when it has one, must be in the future. Every key's signature is compared, in
    /// constant time.
    func jwt(_ token: String, now: Date = Date()) -> Result<APIKey, JWTRefusal> {
        let parts = token.trimmingCharacters(in: .whitespaces).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Self.base64URLDecode(parts[0]), let claimsBytes = Self.base64URLDecode(parts[1]),
              let signature = Self.base64URLDecode(parts[2]),
              let header = try? JSONSerialization.jsonObject(with: Data(headerBytes)) as? [String: Any],
              let claims = try? JSONSerialization.jsonObject(with: Data(claimsBytes)) as? [String: Any]
        else { return .failure(.malformed) }
        let algorithm = header["alg"] as? String ?? "none"
        guard algorithm == "HS256" else { return .failure(.unsupportedAlgorithm(algorithm)) }
        let signingInput = Array((parts[0] + "." + parts[1]).utf8)
        var found: APIKey?
        for key in authenticator.keys {
            let expected = HMACSHA256.authenticationCode(key: Array(key.secret.utf8), message: signingInput)
            if APIAuthenticator.constantTimeEquals(expected, signature) { found = key }
        }
        guard let found else { return .failure(.badSignature) }
        if let exp = claims["exp"] as? Double, exp <= now.timeIntervalSince1970 { return .failure(.expired) }
        return .success(found)
    }

    static func base64URLDecode(_ text: Substring) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map { [UInt8]($0) }
    }

    static func base64URLEncode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
