/// A SIP request or response (RFC 3261 §7): start line, header fields in order, body.
public struct SIPMessage: Sendable, Hashable {
    public enum StartLine: Sendable, Hashable {
        case request(method: String, uri: String)
        case response(statusCode: Int, reasonPhrase: String)
    }

    public var startLine: StartLine
    public var headers: [SIPHeaderField]
    public var body: [UInt8]

    public init(startLine: StartLine, headers: [SIPHeaderField] = [], body: [UInt8] = []) {
        self.startLine = startLine
        self.headers = headers
        self.body = body
    }

    public static func request(_ method: String, uri: String, headers: [SIPHeaderField] = [], body: [UInt8] = []) -> SIPMessage {
        SIPMessage(startLine: .request(method: method, uri: uri), headers: headers, body: body)
    }

    public var isRequest: Bool {
        if case .request = startLine { return true }
        return false
    }

    public var method: String? {
        if case .request(let method, _) = startLine { return method }
        return nil
    }

    public var requestURI: String? {
        if case .request(_, let uri) = startLine { return uri }
        return nil
    }

    public var statusCode: Int? {
        if case .response(let code, _) = startLine { return code }
        return nil
    }

    public var reasonPhrase: String? {
        if case .response(_, let reason) = startLine { return reason }
        return nil
    }

    // MARK: Header access

    /// The value of the first header field named `name` (any case, compact forms too).
    public func header(_ name: String) -> String? {
        let canonical = SIPHeaderField.canonicalName(name)
        return headers.first { $0.isNamed(canonical) }?.value
    }

    /// Every value of header `name`, comma-separated lists split into their elements, in order.
    public func headerValues(_ name: String) -> [String] {
        let canonical = SIPHeaderField.canonicalName(name)
        return headers.filter { $0.isNamed(canonical) }.flatMap { SIPMessage.splitList($0.value) }
    }

    public mutating func setHeader(_ name: String, _ value: String) {
        let field = SIPHeaderField(name, value)
        if let index = headers.firstIndex(where: { $0.isNamed(field.name) }) {
            headers[index] = field
            headers.removeAll { $0.isNamed(field.name) && $0 != field }
        } else {
            headers.append(field)
        }
    }

    public mutating func addHeader(_ name: String, _ value: String) {
        headers.append(SIPHeaderField(name, value))
    }

    public mutating func removeHeader(_ name: String) {
        let canonical = SIPHeaderField.canonicalName(name)
        headers.removeAll { $0.isNamed(canonical) }
    }

    public var callID: String? { header("Call-ID") }

    /// CSeq number and method (RFC 3261 §8.1.1.5).
    public var cseq: (number: UInt32, method: String)? {
        guard let value = header("CSeq") else { return nil }
        let parts = value.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard parts.count == 2, let number = UInt32(parts[0]), number < 1 << 31 else { return nil }
        return (number, String(parts[1]))
    }

    /// The topmost Via as a parsed value.
    public var topVia: SIPVia? {
        headerValues("Via").first.flatMap(SIPVia.init(parsing:))
    }

    public var from: NameAddress? { header("From").flatMap { try? NameAddress(parsing: $0) } }
    public var to: NameAddress? { header("To").flatMap { try? NameAddress(parsing: $0) } }

    // MARK: Serialising

    /// The message as it goes on the wire; Content-Length always matches the body.
    public func serialized() -> [UInt8] {
        var text: String
        switch startLine {
        case .request(let method, let uri): text = "\(method) \(uri) SIP/2.0\r\n"
        case .response(let code, let reason): text = "SIP/2.0 \(code) \(reason)\r\n"
        }
        for field in headers where field.name != "Content-Length" {
            text += field.name + ": " + field.value + "\r\n"
        }
        text += "Content-Length: \(body.count)\r\n\r\n"
        return Array(text.utf8) + body
    }

    /// Splits a header value at commas that are not inside quotes or angle brackets (RFC 3261 §7.3.1).
    public static func splitList(_ value: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var inQuotes = false, inAngle = false, escaped = false
        for character in value {
            if escaped {
                escaped = false
                current.append(character)
                continue
            }
            switch character {
            case "\\" where inQuotes: escaped = true
            case "\"": inQuotes.toggle()
            case "<" where !inQuotes: inAngle = true
            case ">" where !inQuotes: inAngle = false
            case "," where !inQuotes && !inAngle:
                parts.append(current.trimmingSIPWhitespace())
                current = ""
                continue
            default: break
            }
            current.append(character)
        }
        let last = current.trimmingSIPWhitespace()
        if !last.isEmpty || !parts.isEmpty { parts.append(last) }
        return parts.filter { !$0.isEmpty }
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and line ends (SIP's LWS).
    func trimmingSIPWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" || first == "\r" || first == "\n" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" || last == "\r" || last == "\n" { scalars.removeLast() }
        return String(scalars)
    }
}
