import Foundation
import IO

/// Finds the API key a request's `Authorization` names: `Bearer SECRET`, or `Basic` with
/// `NAME:SECRET`. Secrets are compared in constant time, and every key is compared whatever matched,
/// so the time taken says nothing about which secret (or how much of one) was right.
struct APIAuthenticator: Sendable {
    let keys: [APIKey]

    func key(for headers: HTTPHeaders) -> APIKey? {
        guard let value = headers["Authorization"] else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard let space = trimmed.firstIndex(of: " ") else { return nil }
        let scheme = trimmed[..<space].lowercased()
        let credentials = trimmed[trimmed.index(after: space)...].trimmingCharacters(in: .whitespaces)
        switch scheme {
        case "bearer":
            return match(name: nil, secret: Array(credentials.utf8))
        case "basic":
            // RFC 7617: base64 of user-id ":" password; the user id is the key's name.
            guard let data = Data(base64Encoded: credentials), let colon = data.firstIndex(of: UInt8(ascii: ":")) else { return nil }
            let bytes = [UInt8](data)
            let offset = colon - data.startIndex
            return match(name: String(decoding: bytes[..<offset], as: UTF8.self), secret: Array(bytes[(offset + 1)...]))
        default:
            return nil
        }
    }

    /// The key whose secret is `secret` (the console's login form), compared as a Bearer secret is.
    func key(secret: String) -> APIKey? {
        match(name: nil, secret: Array(secret.utf8))
    }

    /// The key called `name` (a console session's key, looked up again on each request).
    func key(named name: String) -> APIKey? {
        keys.first { $0.name == name }
    }

    /// The key whose secret is `secret` (compared with every key in constant time).
    func key(secret: [UInt8]) -> APIKey? {
        match(name: nil, secret: secret)
    }

    private func match(name: String?, secret: [UInt8]) -> APIKey? {
        var found: APIKey?
        for key in keys {
            let equal = Self.constantTimeEquals(Array(key.secret.utf8), secret)
            if equal, name == nil || name == key.name { found = key }
        }
        return found
    }

    /// Equal lengths and bytes, in time that depends only on the lengths.
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        let count = max(a.count, b.count)
        for index in 0..<count {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
