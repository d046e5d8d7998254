import Telephony

/// Turns what operators type into a `DialTarget`: E.164 (`+15551234567`), `tel:` URIs,
/// `sip:` URIs, and national numbers completed with a default country code. `sips:` URIs are
/// refused: they need SIP over TLS, and the project's dependency rules allow no TLS library.
///
/// Spaces, dots, dashes, slashes and parentheses inside numbers are separators and are dropped.
public struct TargetNormalizer: Sendable {
    /// Digits of the country code put in front of national numbers (e.g. "1", "44"); nil means
    /// national numbers are an error.
    public var defaultCountryCode: String?

    public init(defaultCountryCode: String?) {
        self.defaultCountryCode = defaultCountryCode
    }

    /// The longest target accepted, in characters (SIP URIs in practice stay far below it).
    public static let maximumLength = 256

    /// Whether `code` is a plausible country calling code (1 to 3 digits, not starting with 0).
    public static func isValidCountryCode(_ code: String) -> Bool {
        (1...3).contains(code.utf8.count) && code.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } && code.first != "0"
    }

    /// The normalised target, or a message saying why `raw` is not one (it quotes `raw`).
    public func normalize(_ raw: String) -> Result<DialTarget, TargetError> {
        let text = raw.trimmingWhitespace()
        guard !text.isEmpty else { return .failure(TargetError("target is empty")) }
        // A 10 MB "SIP URI" would otherwise be stored and sent in every INVITE and CDR.
        guard text.utf8.count <= Self.maximumLength || text.count <= Self.maximumLength else {
            return .failure(TargetError(
                "target \(Diagnostic.excerpt(text)) is too long; a number or SIP URI has at most \(Self.maximumLength) characters"))
        }
        let firstByte = text.utf8.first ?? 0
        let mayBeURI = firstByte | 0x20 == UInt8(ascii: "s") || firstByte | 0x20 == UInt8(ascii: "t")
        let lowered = mayBeURI ? text.prefix(5).lowercased() : ""
        if lowered.hasPrefix("sips:") {
            return .failure(TargetError(
                "target \(Diagnostic.excerpt(raw)) is a sips: URI, which needs SIP over TLS; campaignd has no TLS library (its dependency rules allow none) and does not send sips: calls in the clear"))
        }
        if lowered.hasPrefix("sip:") {
            do {
                return .success(.sip(try SIPURI(parsing: text)))
            } catch {
                return .failure(TargetError("target \(Diagnostic.excerpt(raw)) is not a valid SIP URI: it \(Self.describe(error))"))
            }
        }
        if lowered.hasPrefix("tel:") {
            let number = text.dropFirst(4).prefix { $0 != ";" }
            guard number.first == "+" else {
                return .failure(TargetError(
                    "target \(Diagnostic.excerpt(raw)) is a local tel: URI (no leading +); write a global number such as tel:+15551234567"))
            }
            guard let e164 = phoneNumber(number.utf8) else {
                return .failure(TargetError("target \(Diagnostic.excerpt(raw)) is not a valid global tel: URI (expected + and 7 to 15 digits)"))
            }
            return .success(.e164(e164))
        }
        if let number = phoneNumber(text.utf8) { return .success(.e164(number)) }
        // Not a number: find the most useful thing to say.
        let separatorsAndDigits = text.utf8.allSatisfy { Self.isDigit($0) || Self.isSeparator($0) }
        let digitCount = text.utf8.lazy.filter(Self.isDigit).count
        if defaultCountryCode == nil, separatorsAndDigits, digitCount >= 6, !text.hasPrefix("00") {
            return .failure(TargetError(
                "target \(Diagnostic.excerpt(raw)) is a national number but no defaultCountryCode is set; write it as +<country code><number> or set defaultCountryCode"))
        }
        return .failure(TargetError("target \(Diagnostic.excerpt(raw)) is not a phone number or SIP URI"))
    }

    /// The E.164 form of the phone number written in `bytes` (`+1 555…`, `00…`, or national), or nil
    /// if it is not a valid one; `normalize` says why. The import's fast path: it makes no String
    /// but the result (at most 16 bytes, so stored inline).
    public func phoneNumber<Bytes: BidirectionalCollection>(_ bytes: Bytes) -> String? where Bytes.Element == UInt8 {
        var start = bytes.startIndex, end = bytes.endIndex
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start = bytes.index(after: start) }
        while start < end, bytes[bytes.index(before: end)] == 0x20 || bytes[bytes.index(before: end)] == 0x09 { end = bytes.index(before: end) }
        guard start < end else { return nil }
        let international = bytes[start] == UInt8(ascii: "+")
        if international { start = bytes.index(after: start) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { digits -> String? in
            var count = 0
            var index = start
            while index < end {
                let byte = bytes[index]
                if Self.isDigit(byte) {
                    guard count < 20 else { return nil }
                    digits[count] = byte
                    count += 1
                } else if !Self.isSeparator(byte) {
                    return nil
                }
                index = bytes.index(after: index)
            }
            var first = 0
            var prefix: String.UTF8View = "".utf8
            if international {
                // as written
            } else if count >= 2, digits[0] == UInt8(ascii: "0"), digits[1] == UInt8(ascii: "0") {
                first = 2  // international call prefix used in most of the world
            } else {
                // Too short to be a subscriber number anywhere.
                guard count >= 6, let countryCode = defaultCountryCode else { return nil }
                if countryCode == "1" {
                    // North American Numbering Plan: 10 digits, optionally with the leading 1.
                    if count == 11, digits[0] == UInt8(ascii: "1") { first = 1 }
                    guard count - first == 10 else { return nil }
                } else if digits[0] == UInt8(ascii: "0") {
                    first = 1  // national trunk prefix
                }
                prefix = countryCode.utf8
            }
            // E.164 allows at most 15 digits including the country code; real numbers have at least 7.
            let total = prefix.count + count - first
            guard (7...15).contains(total) else { return nil }
            let leading = prefix.first ?? digits[first]
            guard leading != UInt8(ascii: "0") else { return nil }
            return String(unsafeUninitializedCapacity: total + 1) { out in
                out[0] = UInt8(ascii: "+")
                var position = 1
                for byte in prefix {
                    out[position] = byte
                    position += 1
                }
                for index in first..<count {
                    out[position] = digits[index]
                    position += 1
                }
                return position
            }
        }
    }

    /// The URI parser's reason, with the part it quotes cut like every echoed value.
    private static func describe(_ error: SIPURI.ParseError) -> String {
        switch error {
        case .notSIPScheme, .missingHost: error.description
        case .invalidHost(let host): "has an invalid host \(Diagnostic.excerpt(host))"
        case .invalidPort(let port): "has an invalid port \(Diagnostic.excerpt(port))"
        case .invalidUser(let user): "has an invalid user part \(Diagnostic.excerpt(user))"
        }
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// Spaces, dots, dashes, parentheses and slashes people write inside numbers.
    static func isSeparator(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x2E || byte == 0x2D || byte == 0x28 || byte == 0x29 || byte == 0x2F || byte == 0x09
    }
}

/// Why a target could not be normalised, in words for the operator.
public struct TargetError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension String {
    func trimmingWhitespace() -> String {
        // Fast path: most fields have no surrounding white space.
        if let first = utf8.first, let last = utf8.last, first > 0x20, last > 0x20, first < 0x80, last < 0x80 {
            return self
        }
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        if first == scalars.startIndex, last == scalars.index(before: scalars.endIndex) { return self }
        return String(scalars[first...last])
    }
}
