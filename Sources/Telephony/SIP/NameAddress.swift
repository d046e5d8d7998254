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
        let value = text.trimmingSIPWhitespace()
        var rest = Substring(value)
        var display: String?
        if rest.first == "\"" {
            var index = rest.index(after: rest.startIndex)
            var name = ""
            var closed = false
            while index < rest.endIndex {
                let character = rest[index]
                if character == "\\" {
                    index = rest.index(after: index)
                    guard index < rest.endIndex else { break }
                    name.append(rest[index])
                } else if character == "\"" {
                    closed = true
                    break
                } else {
                    name.append(character)
                }
                index = rest.index(after: index)
            }
            guard closed else { throw .unterminatedQuote(value) }
            display = name
            rest = rest[rest.index(after: index)...]
        }
        if let open = rest.firstIndex(of: "<") {
            if display == nil {
                let token = String(rest[..<open]).trimmingSIPWhitespace()
                display = token.isEmpty ? nil : token
            }
            guard let close = rest[open...].firstIndex(of: ">") else { throw .unterminatedAngleBracket(value) }
            uri = String(rest[rest.index(after: open)..<close]).trimmingSIPWhitespace()
            let after = rest[rest.index(after: close)...].trimmingSIPWhitespace()
            parameters = HeaderParameters(parsing: Substring(after))
        } else {
            // addr-spec: parameters after the URI belong to the header, not the URI (RFC 3261 §20.10).
            let trimmed = rest.trimmingSIPWhitespace()
            let uriEnd = trimmed.firstIndex(of: ";") ?? trimmed.endIndex
            let uriText = String(trimmed[..<uriEnd]).trimmingSIPWhitespace()
            if uriText.contains(" ") || uriText.contains("\t") { throw .whitespaceInURI(value) }
            uri = uriText
            parameters = HeaderParameters(parsing: trimmed[uriEnd...])
        }
        guard !uri.isEmpty else { throw .missingURI(value) }
        displayName = display
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
