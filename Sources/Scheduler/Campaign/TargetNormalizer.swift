import Telephony

/// Turns what operators type into a `DialTarget`: E.164 (`+15551234567`), `tel:` URIs,
/// `sip:`/`sips:` URIs, and national numbers completed with a default country code.
///
/// Spaces, dots, dashes, slashes and parentheses inside numbers are separators and are dropped.
public struct TargetNormalizer: Sendable {
    /// Digits of the country code put in front of national numbers (e.g. "1", "44"); nil means
    /// national numbers are an error.
    public var defaultCountryCode: String?

    public init(defaultCountryCode: String?) {
        self.defaultCountryCode = defaultCountryCode
    }

    /// Whether `code` is a plausible country calling code (1 to 3 digits, not starting with 0).
    public static func isValidCountryCode(_ code: String) -> Bool {
        (1...3).contains(code.utf8.count) && code.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } && code.first != "0"
    }

    /// The normalised target, or a message saying why `raw` is not one (it quotes `raw`).
    public func normalize(_ raw: String) -> Result<DialTarget, TargetError> {
        let text = raw.trimmingWhitespace()
        guard !text.isEmpty else { return .failure(TargetError("target is empty")) }
        let firstByte = text.utf8.first ?? 0
        let mayBeURI = firstByte | 0x20 == UInt8(ascii: "s") || firstByte | 0x20 == UInt8(ascii: "t")
        let lowered = mayBeURI ? text.prefix(5).lowercased() : ""
        if lowered.hasPrefix("sip:") || lowered.hasPrefix("sips:") {
            do {
                return .success(.sip(try SIPURI(parsing: text)))
            } catch {
                return .failure(TargetError("target \"\(raw)\" is not a valid SIP URI: it \(error)"))
            }
        }
        if lowered.hasPrefix("tel:") {
            let number = text.dropFirst(4).prefix { $0 != ";" }
            guard number.first == "+" else {
                return .failure(TargetError(
                    "target \"\(raw)\" is a local tel: URI (no leading +); write a global number such as tel:+15551234567"))
            }
            guard let digits = Self.digits(of: number.dropFirst()), let target = Self.e164(digits) else {
                return .failure(TargetError("target \"\(raw)\" is not a valid global tel: URI (expected + and 7 to 15 digits)"))
            }
            return .success(target)
        }
        var notANumber: TargetError { TargetError("target \"\(raw)\" is not a phone number or SIP URI") }
        if text.first == "+" {
            guard let digits = Self.digits(of: text.dropFirst()), let target = Self.e164(digits) else {
                return .failure(notANumber)
            }
            return .success(target)
        }
        guard var digits = Self.digits(of: Substring(text)) else { return .failure(notANumber) }
        if digits.hasPrefix("00") {
            // International call prefix used in most of the world.
            guard let target = Self.e164(String(digits.dropFirst(2))) else { return .failure(notANumber) }
            return .success(target)
        }
        // Too short to be a subscriber number anywhere: say so rather than ask for a country code.
        guard digits.count >= 6 else { return .failure(notANumber) }
        guard let countryCode = defaultCountryCode else {
            return .failure(TargetError(
                "target \"\(raw)\" is a national number but no defaultCountryCode is set; write it as +<country code><number> or set defaultCountryCode"))
        }
        if countryCode == "1" {
            // North American Numbering Plan: 10 digits, optionally with the leading 1.
            if digits.count == 11, digits.first == "1" { digits.removeFirst() }
            guard digits.count == 10, let target = Self.e164("1" + digits) else { return .failure(notANumber) }
            return .success(target)
        }
        if digits.first == "0" { digits.removeFirst() }  // national trunk prefix
        guard let target = Self.e164(countryCode + digits) else { return .failure(notANumber) }
        return .success(target)
    }

    /// The digits of `text` with separators removed, or nil if anything else is in it.
    private static func digits(of text: Substring) -> String? {
        var valid = true
        let out = String(unsafeUninitializedCapacity: text.utf8.count) { buffer in
            var count = 0
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"):
                    buffer[count] = byte
                    count += 1
                case UInt8(ascii: " "), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "("), UInt8(ascii: ")"),
                    UInt8(ascii: "/"), 0x09:
                    continue
                default:
                    valid = false
                    return 0
                }
            }
            return count
        }
        return valid ? out : nil
    }

    /// E.164 allows at most 15 digits including the country code; real numbers have at least 7.
    private static func e164(_ digits: String) -> DialTarget? {
        guard (7...15).contains(digits.utf8.count), digits.first != "0" else { return nil }
        return .e164("+" + digits)
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
