/// A SIP request or response (RFC 3261 §7): start line, header fields in order, body.
public struct SIPMessage: Sendable, Hashable {
    public enum StartLine: Sendable, Hashable {
        case request(method: SIPMethod, uri: String)
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

    public static func request(_ method: SIPMethod, uri: String, headers: [SIPHeaderField] = [], body: [UInt8] = []) -> SIPMessage {
        SIPMessage(startLine: .request(method: method, uri: uri), headers: headers, body: body)
    }

    public var isRequest: Bool {
        if case .request = startLine { return true }
        return false
    }

    public var method: SIPMethod? {
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
    public var cseq: (number: UInt32, method: SIPMethod)? {
        guard let value = header("CSeq") else { return nil }
        // CSeq = 1*DIGIT LWS Method
        return value.withSIPBytes { bytes -> (UInt32, SIPMethod)? in
            var index = 0
            while index < bytes.count, bytes[index] != 0x20, bytes[index] != 0x09 { index += 1 }
            guard let number = SIPBytes.decimal(bytes, 0, index), number < 1 << 31 else { return nil }
            var methodStart = index
            while methodStart < bytes.count, bytes[methodStart] == 0x20 || bytes[methodStart] == 0x09 { methodStart += 1 }
            var methodEnd = methodStart
            while methodEnd < bytes.count, bytes[methodEnd] != 0x20, bytes[methodEnd] != 0x09 { methodEnd += 1 }
            var rest = methodEnd
            while rest < bytes.count, bytes[rest] == 0x20 || bytes[rest] == 0x09 { rest += 1 }
            guard methodEnd > methodStart, rest == bytes.count else { return nil }
            return (UInt32(number), SIPMethod(rawValue: SIPBytes.string(bytes, methodStart, methodEnd)))
        }
    }

    /// The topmost Via as a parsed value.
    public var topVia: SIPVia? {
        guard let first = header("Via") else { return nil }
        let value = first.utf8.contains(UInt8(ascii: ",")) ? SIPMessage.firstListElement(first) : first
        return value.flatMap(SIPVia.init(parsing:))
    }

    public var from: NameAddress? { header("From").flatMap { try? NameAddress(parsing: $0) } }
    public var to: NameAddress? { header("To").flatMap { try? NameAddress(parsing: $0) } }

    // MARK: Serialising

    /// The message as it goes on the wire; Content-Length always matches the body.
    public func serialized() -> [UInt8] {
        var text: String
        switch startLine {
        case .request(let method, let uri): text = "\(method.rawValue) \(uri) SIP/2.0\r\n"
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
        splitList(value, maximumCount: .max)
    }

    /// The first element of a comma-separated header value, without splitting the rest.
    public static func firstListElement(_ value: String) -> String? {
        splitList(value, maximumCount: 1).first
    }

    /// The first element of a comma-separated header value and the text after the comma that ends
    /// it (trimmed; nil when nothing follows), without splitting the rest.
    public static func firstListElementAndRest(_ value: String) -> (first: String?, rest: String?) {
        value.withSIPBytes { bytes in
            let (parts, restStart) = scanList(bytes, maximumCount: 1)
            let rest = restStart.map { SIPBytes.trimmedString(bytes, $0, bytes.count) }
            return (parts.first, rest?.isEmpty == false ? rest : nil)
        }
    }

    private static func splitList(_ value: String, maximumCount: Int) -> [String] {
        value.withSIPBytes { scanList($0, maximumCount: maximumCount).parts }
    }

    /// The non-empty elements of a list, up to `maximumCount`, and where the text after the comma
    /// that ended the last of them starts when the scan stopped there.
    private static func scanList(_ bytes: UnsafeBufferPointer<UInt8>, maximumCount: Int) -> (parts: [String], restStart: Int?) {
        guard bytes.contains(UInt8(ascii: ",")) else {
            let element = SIPBytes.trimmedString(bytes, 0, bytes.count)
            return (element.isEmpty ? [] : [element], nil)
        }
        var parts: [String] = []
        var start = 0, index = 0
        var inQuotes = false, inAngle = false
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\") where inQuotes: index += 1
            case UInt8(ascii: "\""): inQuotes.toggle()
            case UInt8(ascii: "<") where !inQuotes: inAngle = true
            case UInt8(ascii: ">") where !inQuotes: inAngle = false
            case UInt8(ascii: ",") where !inQuotes && !inAngle:
                let part = SIPBytes.trimmedString(bytes, start, index)
                if !part.isEmpty {
                    parts.append(part)
                    if parts.count == maximumCount { return (parts, index + 1) }
                }
                start = index + 1
            default: break
            }
            index += 1
        }
        let last = SIPBytes.trimmedString(bytes, start, min(index, bytes.count))
        if !last.isEmpty { parts.append(last) }
        return (parts, nil)
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and line ends (SIP's LWS).
    func trimmingSIPWhitespace() -> String {
        let (lo, hi) = withSIPBytes { SIPBytes.trimmed($0, 0, $0.count) }
        let start = utf8.index(utf8.startIndex, offsetBy: lo), end = utf8.index(utf8.startIndex, offsetBy: hi)
        return String(self[start..<end])
    }
}
