/// Parses SIP messages (RFC 3261 §7, §18.3): one UDP datagram at a time, or incrementally from a
/// byte stream (for TCP later), with a size limit and a clear error for every malformed message.
public struct SIPMessageParser: Sendable {
    /// Largest message accepted (a UDP datagram cannot be larger anyway).
    public static let maximumMessageSize = 65_535

    /// Most header fields a message may carry; a request of ours has about a dozen.
    public static let maximumHeaderFields = 256
    /// Most lines in a header section, continuation lines included.
    public static let maximumLines = 1024
    /// Most continuation lines folded into one header field (RFC 3261 §7.3.1).
    public static let maximumContinuationLines = 32
    /// Most list separators (`,`) and parameter separators (`;`) in one header field value, quoted
    /// ones included: every element and parameter becomes a String when the field is read.
    public static let maximumSeparatorsPerField = 256

    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// What kind of problem: a limit that was exceeded, or anything else that is not SIP.
        public enum Code: Sendable, Equatable {
            case malformed
            case tooLarge
            case tooManyHeaderFields
            case tooManyLines
            case tooManyContinuationLines
            case tooManySeparators
        }

        public var code: Code
        public var message: String
        public init(_ message: String, code: Code = .malformed) {
            self.code = code
            self.message = message
        }
        public var description: String { message }
    }

    private var buffer: [UInt8] = []
    /// Stream mode: no header section ends before this offset of `buffer`.
    private var searchedUpTo = 0
    /// Stream mode: a parsed head whose body has not all arrived (the message, body start, body end).
    private var awaitingBody: (SIPMessage, Int, Int)?

    public init() {}

    /// Parses one datagram. Bytes after the body that Content-Length announces are ignored
    /// (RFC 3261 §18.3); without Content-Length the body is the rest of the datagram.
    public static func parse(datagram: [UInt8]) throws(ParseError) -> SIPMessage {
        guard datagram.count <= maximumMessageSize else {
            throw ParseError("message of \(datagram.count) bytes is larger than \(maximumMessageSize)", code: .tooLarge)
        }
        var start = 0
        while start + 1 < datagram.count, datagram[start] == 0x0D || datagram[start] == 0x0A { start += 1 }
        guard let (headEnd, bodyStart) = try findHeaderEnd(datagram, from: start) else {
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
        if awaitingBody == nil {
            var start = 0
            while start < buffer.count, buffer[start] == 0x0D || buffer[start] == 0x0A { start += 1 }
            if start > 0 {
                // Keep-alive CRLFs between messages (RFC 5626 §3.5.1) are dropped.
                buffer.removeFirst(start)
                searchedUpTo = 0
            }
            // The search resumes where the last one stopped (an empty line can start two bytes
            // before the end): bytes arriving one at a time are not searched again and again.
            guard let (headEnd, bodyStart) = try Self.findHeaderEnd(buffer, from: searchedUpTo) else {
                searchedUpTo = max(0, buffer.count - 2)
                if buffer.count > Self.maximumMessageSize {
                    throw ParseError("header section is larger than \(Self.maximumMessageSize) bytes", code: .tooLarge)
                }
                return nil
            }
            let message = try Self.parseHead(buffer[0..<headEnd])
            guard let length = try Self.contentLength(of: message) else {
                throw ParseError("Content-Length is required on a stream transport (RFC 3261 §18.3)")
            }
            guard bodyStart + length <= Self.maximumMessageSize else {
                throw ParseError("message of \(bodyStart + length) bytes is larger than \(Self.maximumMessageSize)", code: .tooLarge)
            }
            // Kept while the body arrives, so the head is parsed once.
            awaitingBody = (message, bodyStart, bodyStart + length)
        }
        guard let (head, bodyStart, bodyEnd) = awaitingBody, buffer.count >= bodyEnd else { return nil }
        var message = head
        message.body = Array(buffer[bodyStart..<bodyEnd])
        buffer.removeFirst(bodyEnd)
        awaitingBody = nil
        searchedUpTo = 0
        return message
    }

    /// (end of the last header line, start of the body) at the first empty line; CRLF or bare LF.
    /// Gives up after `maximumLines` line feeds: a head of more lines is refused anyway, and 32,000
    /// two-byte lines would otherwise be searched one `memchr` at a time.
    private static func findHeaderEnd(_ bytes: [UInt8], from start: Int) throws(ParseError) -> (Int, Int)? {
        let found = bytes.withUnsafeBufferPointer { bytes -> (Int, Int)?? in
            var index = start
            var lineFeeds = 0
            while let lineFeed = SIPBytes.firstIndex(of: 0x0A, in: bytes, index, bytes.count) {
                if lineFeed + 1 < bytes.count, bytes[lineFeed + 1] == 0x0A { return (lineFeed, lineFeed + 2) }
                if lineFeed + 2 < bytes.count, bytes[lineFeed + 1] == 0x0D, bytes[lineFeed + 2] == 0x0A { return (lineFeed, lineFeed + 3) }
                lineFeeds += 1
                if lineFeeds >= maximumLines { return .some(nil) }
                index = lineFeed + 1
            }
            return nil
        }
        guard let found else { return nil }
        guard let found else { throw ParseError("header section has more than \(maximumLines) lines", code: .tooManyLines) }
        return found
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

    /// Parses the start line and header fields (no body).
    private static func parseHead(_ head: ArraySlice<UInt8>) throws(ParseError) -> SIPMessage {
        // SIP text is almost always ASCII; only a head with other bytes needs the full UTF-8 check.
        let message = try head.withUnsafeBufferPointer { bytes -> Result<SIPMessage, ParseError> in
            if SIPBytes.containsNonASCII(bytes, 0, bytes.count), String(validating: bytes, as: UTF8.self) == nil {
                return .failure(ParseError("header section is not valid UTF-8"))
            }
            return parseLines(bytes)
        }.get()
        try validate(message)
        return message
    }

    /// Splits the head into lines (CRLF, bare LF or bare CR), undoing folding (RFC 3261 §7.3.1:
    /// a line starting with white space continues the previous one). One pass over the bytes: a
    /// folded field is appended to one buffer, and a limit stops the pass as soon as it is exceeded.
    private static func parseLines(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<SIPMessage, ParseError> {
        var startLine: SIPMessage.StartLine?
        var headers: [SIPHeaderField] = []
        headers.reserveCapacity(12)
        // The line being collected: a byte range, and its bytes in `folded` once a continuation was
        // folded into it (appending keeps a long fold linear; concatenating Strings made it quadratic).
        var pending: (lo: Int, hi: Int)?
        var folded: [UInt8] = []
        var isFolded = false
        var continuations = 0
        func parseLine(_ bytes: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> ParseError? {
            if startLine == nil {
                switch parseStartLine(bytes, lo, hi) {
                case .success(let parsed): startLine = parsed
                case .failure(let error): return error
                }
                return nil
            }
            guard headers.count < maximumHeaderFields else {
                return ParseError("more than \(maximumHeaderFields) header fields", code: .tooManyHeaderFields)
            }
            switch headerField(bytes, lo, hi) {
            case .success(let field): headers.append(field)
            case .failure(let error): return error
            }
            return nil
        }
        func finish() -> ParseError? {
            guard let range = pending else { return nil }
            pending = nil
            guard isFolded else { return parseLine(bytes, range.lo, range.hi) }
            isFolded = false
            defer { folded.removeAll(keepingCapacity: true) }
            return folded.withUnsafeBufferPointer { parseLine($0, 0, $0.count) }
        }
        var index = 0
        var lineCount = 0
        var physicalLines = 0
        while index <= bytes.count {
            let end = SIPBytes.lineEnd(bytes, from: index, bytes.count)
            let isContinuation = end > index && (bytes[index] == 0x20 || bytes[index] == 0x09)
            if isContinuation || end > index || index < bytes.count {
                physicalLines += 1
                guard physicalLines <= maximumLines else {
                    return .failure(ParseError("header section has more than \(maximumLines) lines", code: .tooManyLines))
                }
            }
            if isContinuation {
                guard lineCount > 1, let line = pending else {
                    return .failure(ParseError("first header line starts with white space"))
                }
                continuations += 1
                guard continuations <= maximumContinuationLines else {
                    return .failure(ParseError("a header field is folded over more than \(maximumContinuationLines) continuation lines",
                                               code: .tooManyContinuationLines))
                }
                if !isFolded {
                    folded.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[line.lo..<line.hi]))
                    isFolded = true
                }
                let (lo, hi) = SIPBytes.trimmed(bytes, index, end)
                folded.append(0x20)
                folded.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[lo..<hi]))
            } else if end > index || index < bytes.count {
                if let error = finish() { return .failure(error) }
                pending = (index, end)
                lineCount += 1
                continuations = 0
            }
            guard end < bytes.count else { break }
            // CRLF is one line end; a bare CR or LF is one too.
            index = end + (bytes[end] == 0x0D && end + 1 < bytes.count && bytes[end + 1] == 0x0A ? 2 : 1)
            if index == bytes.count { break }
        }
        if let error = finish() { return .failure(error) }
        guard let startLine else { return .failure(ParseError("empty message")) }
        return .success(SIPMessage(startLine: startLine, headers: headers))
    }

    private static func headerField(_ bytes: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Result<SIPHeaderField, ParseError> {
        guard let colon = SIPBytes.firstIndex(of: UInt8(ascii: ":"), in: bytes, lo, hi) else {
            return .failure(ParseError("header line \"\(SIPBytes.string(bytes, lo, hi).prefix(60))\" has no ':'"))
        }
        let (nameLo, nameHi) = SIPBytes.trimmed(bytes, lo, colon)
        guard nameHi > nameLo, bytes[nameLo..<nameHi].allSatisfy(isTokenCharacter) else {
            return .failure(ParseError("\"\(SIPBytes.string(bytes, nameLo, nameHi).prefix(60))\" is not a valid header name"))
        }
        guard SIPBytes.separatorCount(bytes, colon + 1, hi, limit: maximumSeparatorsPerField) <= maximumSeparatorsPerField else {
            return .failure(ParseError("header \(SIPBytes.string(bytes, nameLo, nameHi).prefix(60)) has more than "
                + "\(maximumSeparatorsPerField) list elements and parameters", code: .tooManySeparators))
        }
        let name = SIPHeaderField.canonicalName(bytes, nameLo, nameHi)
        return .success(SIPHeaderField(canonicalName: name, value: SIPBytes.trimmedString(bytes, colon + 1, hi)))
    }

    static func parseStartLine(_ bytes: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Result<SIPMessage.StartLine, ParseError> {
        func text(_ lo: Int, _ hi: Int, limit: Int) -> Substring { SIPBytes.string(bytes, lo, hi).prefix(limit) }
        if SIPBytes.equalsIgnoringCase(bytes, lo, min(lo + 4, hi), "SIP/") {
            // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
            guard let space1 = SIPBytes.firstIndex(of: 0x20, in: bytes, lo, hi) else {
                return .failure(ParseError("status line \"\(text(lo, hi, limit: 80))\" has no status code"))
            }
            guard SIPBytes.equalsIgnoringCase(bytes, lo, space1, "SIP/2.0") else {
                return .failure(ParseError("unsupported SIP version \"\(text(lo, space1, limit: 80))\"; expected SIP/2.0"))
            }
            let space2 = SIPBytes.firstIndex(of: 0x20, in: bytes, space1 + 1, hi)
            let codeEnd = space2 ?? hi
            guard codeEnd - space1 - 1 == 3, let code = SIPBytes.decimal(bytes, space1 + 1, codeEnd), (100...699).contains(code) else {
                return .failure(ParseError("status code \"\(text(space1 + 1, codeEnd, limit: 20))\" is not a number from 100 to 699"))
            }
            return .success(.response(statusCode: code, reasonPhrase: space2.map { SIPBytes.string(bytes, $0 + 1, hi) } ?? ""))
        }
        // Request-Line = Method SP Request-URI SP SIP-Version CRLF, single spaces (RFC 3261 §7.1).
        guard let space1 = SIPBytes.firstIndex(of: 0x20, in: bytes, lo, hi),
              let space2 = SIPBytes.firstIndex(of: 0x20, in: bytes, space1 + 1, hi),
              SIPBytes.firstIndex(of: 0x20, in: bytes, space2 + 1, hi) == nil,
              space1 > lo, space2 > space1 + 1, hi > space2 + 1 else {
            return .failure(ParseError("request line \"\(text(lo, hi, limit: 80))\" is not METHOD SP Request-URI SP SIP/2.0 with single spaces"))
        }
        guard bytes[lo..<space1].allSatisfy(isTokenCharacter) else {
            return .failure(ParseError("method \"\(text(lo, space1, limit: 40))\" is not a token"))
        }
        let uriLo = space1 + 1, uriHi = space2
        guard bytes[uriLo] != UInt8(ascii: "<") else { return .failure(ParseError("Request-URI must not be enclosed in <>")) }
        guard let colon = SIPBytes.firstIndex(of: UInt8(ascii: ":"), in: bytes, uriLo, uriHi) else {
            return .failure(ParseError("Request-URI \"\(text(uriLo, uriHi, limit: 60))\" has no scheme"))
        }
        if SIPBytes.equalsIgnoringCase(bytes, uriLo, colon, "sip") || SIPBytes.equalsIgnoringCase(bytes, uriLo, colon, "sips"),
           SIPBytes.firstIndex(of: UInt8(ascii: "?"), in: bytes, uriLo, uriHi) != nil {
            return .failure(ParseError("Request-URI must not carry headers (\"?…\")"))
        }
        guard SIPBytes.equalsIgnoringCase(bytes, space2 + 1, hi, "SIP/2.0") else {
            return .failure(ParseError("unsupported SIP version \"\(text(space2 + 1, hi, limit: 20))\"; expected SIP/2.0"))
        }
        return .success(.request(method: SIPBytes.string(bytes, lo, space1), uri: SIPBytes.string(bytes, uriLo, uriHi)))
    }

    /// The checks every message we act on must pass (RFC 3261 §8.1.1, §8.2.2).
    private static func validate(_ message: SIPMessage) throws(ParseError) {
        for name in ["Call-ID", "CSeq", "From", "To", "Via"] where message.header(name) == nil {
            throw ParseError("missing mandatory header \(name)")
        }
        guard let cseq = message.cseq else {
            throw ParseError("CSeq \"\(message.header("CSeq")?.prefix(40) ?? "")\" is not a number below 2^31 and a method")
        }
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
