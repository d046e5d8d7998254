/// A From, To, Contact, Route or Record-Route value: optional display name, a URI and header
/// parameters (RFC 3261 §20.10 name-addr / addr-spec).
public struct NameAddress: Sendable, Hashable {
    public var displayName: String?
    /// The URI as written (without angle brackets).
    public var uri: String
    public var parameters: HeaderParameters

    public init(displayName: String? = nil, uri: String, parameters: HeaderParameters = HeaderParameters()) {
        self.displayName = displayName
        self.uri = uri
        self.parameters = parameters
    }

    public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        case unterminatedQuote(String)
        case unterminatedAngleBracket(String)
        case missingURI(String)
        case whitespaceInURI(String)

        public var description: String {
            switch self {
            case .unterminatedQuote(let text): "display name has an unterminated quoted string in \"\(text)\""
            case .unterminatedAngleBracket(let text): "missing '>' in \"\(text)\""
            case .missingURI(let text): "no URI in \"\(text)\""
            case .whitespaceInURI(let text): "spaces inside a URI that is not in <...> in \"\(text)\""
            }
        }
    }

    public var tag: String? { parameters["tag"] }

    public init(parsing text: String) throws(ParseError) {
        self = try text.withSIPBytes(Self.parse).get()
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<NameAddress, ParseError> {
        let (lo, hi) = SIPBytes.trimmed(bytes, 0, bytes.count)
        var rest = lo
        var display: String?
        if rest < hi, bytes[rest] == UInt8(ascii: "\"") {
            var name: [UInt8] = []
            var index = rest + 1
            var closed = false
            while index < hi {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\\") {
                    index += 1
                    guard index < hi else { break }
                    name.append(bytes[index])
                } else if byte == UInt8(ascii: "\"") {
                    closed = true
                    break
                } else {
                    name.append(byte)
                }
                index += 1
            }
            guard closed else { return .failure(.unterminatedQuote(SIPBytes.string(bytes, lo, hi))) }
            display = String(decoding: name, as: UTF8.self)
            rest = index + 1
        }
        let uri: String
        let parameters: HeaderParameters
        if let open = SIPBytes.firstIndex(of: UInt8(ascii: "<"), in: bytes, rest, hi) {
            if display == nil {
                let token = SIPBytes.trimmedString(bytes, rest, open)
                display = token.isEmpty ? nil : token
            }
            guard let close = SIPBytes.firstIndex(of: UInt8(ascii: ">"), in: bytes, open, hi) else {
                return .failure(.unterminatedAngleBracket(SIPBytes.string(bytes, lo, hi)))
            }
            uri = SIPBytes.trimmedString(bytes, open + 1, close)
            parameters = HeaderParameters(HeaderParameters.items(bytes, close + 1, hi))
        } else {
            // addr-spec: parameters after the URI belong to the header, not the URI (RFC 3261 §20.10).
            let uriEnd = SIPBytes.firstIndex(of: UInt8(ascii: ";"), in: bytes, rest, hi) ?? hi
            let (uriLo, uriHi) = SIPBytes.trimmed(bytes, rest, uriEnd)
            if bytes[uriLo..<uriHi].contains(where: { $0 == 0x20 || $0 == 0x09 }) {
                return .failure(.whitespaceInURI(SIPBytes.string(bytes, lo, hi)))
            }
            uri = SIPBytes.string(bytes, uriLo, uriHi)
            parameters = HeaderParameters(HeaderParameters.items(bytes, uriEnd, hi))
        }
        guard !uri.isEmpty else { return .failure(.missingURI(SIPBytes.string(bytes, lo, hi))) }
        return .success(NameAddress(displayName: display, uri: uri, parameters: parameters))
    }

    /// `"Display" <uri>;params`, quoting the display name.
    public var serialized: String {
        var text = ""
        if let displayName {
            let escaped = displayName.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            text += "\"\(escaped)\" "
        }
        return text + "<\(uri)>" + parameters.serialized
    }
}
