/// Parses SIP messages (RFC 3261 §7, §18.3): one UDP datagram at a time, or incrementally from a
/// byte stream (for TCP later), with a size limit and a clear error for every malformed message.
public struct SIPMessageParser: Sendable {
    /// Largest message accepted (a UDP datagram cannot be larger anyway).
    public static let maximumMessageSize = 65_535

    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    private var buffer: [UInt8] = []

    public init() {}

    /// Parses one datagram. Bytes after the body that Content-Length announces are ignored
    /// (RFC 3261 §18.3); without Content-Length the body is the rest of the datagram.
    public static func parse(datagram: [UInt8]) throws(ParseError) -> SIPMessage {
        guard datagram.count <= maximumMessageSize else {
            throw ParseError("message of \(datagram.count) bytes is larger than \(maximumMessageSize)")
        }
        var start = 0
        while start + 1 < datagram.count, datagram[start] == 0x0D || datagram[start] == 0x0A { start += 1 }
        guard let (headEnd, bodyStart) = findHeaderEnd(datagram, from: start) else {
            throw ParseError("message ends before the empty line that closes the header section")
        }
        var message = try parseHead(datagram[start..<headEnd])
        let available = datagram.count - bodyStart
        let length = try contentLength(of: message) ?? available
        guard length <= available else {
            throw ParseError("Content-Length \(length) is larger than the \(available) bytes of body received")
        }
        message.body = Array(datagram[bodyStart..<bodyStart + length])
        return message
    }

    /// Stream mode: adds received bytes.
    public mutating func append<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        buffer.append(contentsOf: bytes)
    }

    /// Stream mode: the next complete message, or nil until more bytes arrive. After an error the
    /// stream cannot be resynchronised and should be closed.
    public mutating func next() throws(ParseError) -> SIPMessage? {
        var start = 0
        while start < buffer.count, buffer[start] == 0x0D || buffer[start] == 0x0A { start += 1 }
        if start > 0, start == buffer.count || buffer[start] != 0x0A {
            // Keep-alive CRLFs between messages (RFC 5626 §3.5.1) are dropped.
            buffer.removeFirst(start)
            start = 0
        }
        guard let (headEnd, bodyStart) = Self.findHeaderEnd(buffer, from: start) else {
            if buffer.count > Self.maximumMessageSize {
                throw ParseError("header section is larger than \(Self.maximumMessageSize) bytes")
            }
            return nil
        }
        var message = try Self.parseHead(buffer[start..<headEnd])
        guard let length = try Self.contentLength(of: message) else {
            throw ParseError("Content-Length is required on a stream transport (RFC 3261 §18.3)")
        }
        guard bodyStart + length - start <= Self.maximumMessageSize else {
            throw ParseError("message of \(bodyStart + length - start) bytes is larger than \(Self.maximumMessageSize)")
        }
        guard buffer.count >= bodyStart + length else { return nil }
        message.body = Array(buffer[bodyStart..<bodyStart + length])
        buffer.removeFirst(bodyStart + length)
        return message
    }

    /// (end of the last header line, start of the body) at the first empty line; CRLF or bare LF.
    private static func findHeaderEnd(_ bytes: [UInt8], from start: Int) -> (Int, Int)? {
        var index = start
        while index < bytes.count {
            if bytes[index] == 0x0A {
                if index + 1 < bytes.count, bytes[index + 1] == 0x0A { return (index, index + 2) }
                if index + 2 < bytes.count, bytes[index + 1] == 0x0D, bytes[index + 2] == 0x0A { return (index, index + 3) }
            }
            index += 1
        }
        return nil
    }

    private static func contentLength(of message: SIPMessage) throws(ParseError) -> Int? {
        guard let text = message.header("Content-Length") else { return nil }
        guard let length = Int(text), length >= 0 else {
            throw ParseError("Content-Length \"\(text)\" is not a non-negative number")
        }
        return length
    }

    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        // RFC 3261 §25.1 token: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~"
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "!"), UInt8(ascii: "%"), UInt8(ascii: "*"),
            UInt8(ascii: "_"), UInt8(ascii: "+"), UInt8(ascii: "`"), UInt8(ascii: "'"), UInt8(ascii: "~"):
            return true
        default: return false
        }
    }

    private static func isToken(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy(isTokenCharacter)
    }

    /// Parses the start line and header fields (no body).
    private static func parseHead(_ head: ArraySlice<UInt8>) throws(ParseError) -> SIPMessage {
        guard let text = String(validating: head, as: UTF8.self) else {
            throw ParseError("header section is not valid UTF-8")
        }
        var lines: [Substring] = []
        // "\r\n" is one Character in Swift, so split on newlines as Characters (CRLF or bare LF).
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            if let first = line.first, first == " " || first == "\t" {
                // RFC 3261 §7.3.1: a line starting with white space continues the previous one.
                guard lines.count > 1 else { throw ParseError("first header line starts with white space") }
                lines[lines.count - 1] = Substring(lines[lines.count - 1] + " " + line.trimmingSIPWhitespace())
            } else {
                lines.append(line)
            }
        }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        guard let first = lines.first else { throw ParseError("empty message") }
        let startLine = try parseStartLine(first)
        var headers: [SIPHeaderField] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else {
                throw ParseError("header line \"\(line.prefix(60))\" has no ':'")
            }
            let name = line[..<colon].trimmingSIPWhitespace()
            guard isToken(Substring(name)) else { throw ParseError("\"\(name.prefix(60))\" is not a valid header name") }
            headers.append(SIPHeaderField(name, line[line.index(after: colon)...].trimmingSIPWhitespace()))
        }
        let message = SIPMessage(startLine: startLine, headers: headers)
        try validate(message)
        return message
    }

    private static func parseStartLine(_ line: Substring) throws(ParseError) -> SIPMessage.StartLine {
        if line.uppercased().hasPrefix("SIP/") {
            // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
            let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count >= 2 else { throw ParseError("status line \"\(line.prefix(80))\" has no status code") }
            guard parts[0].uppercased() == "SIP/2.0" else { throw ParseError("unsupported SIP version \"\(parts[0])\"; expected SIP/2.0") }
            guard parts[1].count == 3, let code = Int(parts[1]), (100...699).contains(code) else {
                throw ParseError("status code \"\(parts[1].prefix(20))\" is not a number from 100 to 699")
            }
            return .response(statusCode: code, reasonPhrase: parts.count > 2 ? String(parts[2]) : "")
        }
        // Request-Line = Method SP Request-URI SP SIP-Version CRLF, single spaces (RFC 3261 §7.1).
        let parts = line.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else {
            throw ParseError("request line \"\(line.prefix(80))\" is not METHOD SP Request-URI SP SIP/2.0 with single spaces")
        }
        guard isToken(parts[0]) else { throw ParseError("method \"\(parts[0].prefix(40))\" is not a token") }
        let uri = parts[1]
        guard !uri.hasPrefix("<") else { throw ParseError("Request-URI must not be enclosed in <>") }
        guard uri.contains(":") else { throw ParseError("Request-URI \"\(uri.prefix(60))\" has no scheme") }
        let scheme = uri.prefix { $0 != ":" }.lowercased()
        if scheme == "sip" || scheme == "sips", uri.contains("?") {
            throw ParseError("Request-URI must not carry headers (\"?…\")")
        }
        guard parts[2].uppercased() == "SIP/2.0" else { throw ParseError("unsupported SIP version \"\(parts[2].prefix(20))\"; expected SIP/2.0") }
        return .request(method: String(parts[0]), uri: String(uri))
    }

    /// The checks every message we act on must pass (RFC 3261 §8.1.1, §8.2.2).
    private static func validate(_ message: SIPMessage) throws(ParseError) {
        for name in ["Call-ID", "CSeq", "From", "To", "Via"] where message.header(name) == nil {
            throw ParseError("missing mandatory header \(name)")
        }
        guard let cseqText = message.header("CSeq"), let cseq = message.cseq else {
            throw ParseError("CSeq \"\(message.header("CSeq")?.prefix(40) ?? "")\" is not a number below 2^31 and a method")
        }
        _ = cseqText
        if let method = message.method, method != cseq.method {
            throw ParseError("CSeq method \(cseq.method) does not match the request method \(method)")
        }
        if let maxForwards = message.header("Max-Forwards") {
            guard let hops = Int(maxForwards), (0...255).contains(hops) else {
                throw ParseError("Max-Forwards \"\(maxForwards.prefix(20))\" is not a number from 0 to 255")
            }
        }
        guard message.topVia != nil else {
            throw ParseError("top Via \"\(message.headerValues("Via").first?.prefix(60) ?? "")\" is not SIP/2.0/<transport> <host>")
        }
        for name in ["From", "To"] {
            guard let value = message.header(name) else { continue }
            do {
                let address = try NameAddress(parsing: value)
                if let display = address.displayName, !value.contains("<") {
                    throw NameAddress.ParseError.missingURI("\(display): a display name needs the URI in <...>")
                }
                if let display = address.displayName, !value.trimmingSIPWhitespace().hasPrefix("\""),
                   !display.utf8.allSatisfy({ isTokenCharacter($0) || $0 == 0x20 || $0 == 0x09 }) {
                    throw NameAddress.ParseError.missingURI("\(display): an unquoted display name may hold only tokens")
                }
            } catch {
                throw ParseError("\(name): \(error)")
            }
        }
    }
}
