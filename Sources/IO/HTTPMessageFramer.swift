/// What the request and response parsers share (RFC 9112): finding the head (start line and header
/// fields) in bytes that arrive in any pieces, then the body as the head frames it (Content-Length,
/// chunked, or until the connection closes), within limits. Incremental in the manner of
/// swift-nio-imap's FramingParser: bytes are appended, messages taken out when complete, and no
/// byte is scanned twice while a line is incomplete.
struct HTTPMessageFramer {
    enum BodyFraming {
        case none
        case length(Int)
        case chunked
        case untilClose
    }

    struct Head {
        var startLine: Substring
        var headers: HTTPHeaders
    }

    private enum State {
        case head
        case fixed(Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkEnd
        case trailers
        case untilClose
    }

    let maxHeaderBytes: Int
    let maxBodyBytes: Int
    private var buffer: [UInt8] = []
    /// The first byte not yet consumed.
    private var start = 0
    /// Where the search for the current line's end resumes (bytes before it hold no LF).
    private var lineScan = 0
    private var state = State.head
    private var headLines: [Substring] = []
    /// Bytes of the current head (or trailer section) so far, against `maxHeaderBytes`.
    private var headBytes = 0
    private var head: Head?
    private var body: [UInt8] = []
    /// Once failed, the stream is not resynchronised: every later call throws the same error.
    private var failure: HTTPParseError?

    init(maxHeaderBytes: Int, maxBodyBytes: Int) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
    }

    /// Whether part of a message has been received (and not yet taken out).
    var hasPartialMessage: Bool {
        if case .head = state { return !headLines.isEmpty || buffer[start...].contains { $0 != 13 && $0 != 10 } }
        return true
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    mutating func append(_ bytes: [UInt8]) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    private mutating func compact() {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
            lineScan = 0
        } else if start >= 4096, start * 2 >= buffer.count {
            buffer.removeFirst(start)
            lineScan -= start
            start = 0
        }
    }

    /// The next complete message, or nil until more bytes arrive. `framing` reads the head (and
    /// checks its start line) and says how the body is delimited.
    mutating func next(framing: (Head) throws(HTTPParseError) -> BodyFraming) throws(HTTPParseError) -> (Head, [UInt8])? {
        if let failure { throw failure }
        do {
            return try step(framing: framing)
        } catch {
            failure = error
            throw error
        }
    }

    /// At the end of input: the message whose body ran until the close, nil if nothing was
    /// pending, `.incompleteMessage` if a message was cut off.
    mutating func finish() throws(HTTPParseError) -> (Head, [UInt8])? {
        if let failure { throw failure }
        if case .untilClose = state, let head {
            return complete(head)
        }
        guard !hasPartialMessage else {
            failure = .incompleteMessage
            throw .incompleteMessage
        }
        return nil
    }

    private mutating func complete(_ head: Head) -> (Head, [UInt8]) {
        let message = (head, body)
        self.head = nil
        body = []
        headBytes = 0
        state = .head
        return message
    }

    private mutating func step(framing: (Head) throws(HTTPParseError) -> BodyFraming) throws(HTTPParseError) -> (Head, [UInt8])? {
        while true {
            switch state {
            case .head:
                guard let line = try nextLine(budget: maxHeaderBytes - headBytes, error: .headerTooLarge, counted: true) else { return nil }
                if !line.isEmpty {
                    // RFC 9112 §5.2: obsolete line folding is rejected.
                    if !headLines.isEmpty, line.first == UInt8(ascii: " ") || line.first == UInt8(ascii: "\t") { throw .badHeader }
                    headLines.append(Substring(decoding: line, as: UTF8.self))
                    continue
                }
                // RFC 9112 §2.2: empty lines before the start line are ignored.
                if headLines.isEmpty {
                    headBytes = 0
                    continue
                }
                let head = try Self.parseHead(headLines)
                headLines = []
                switch try framing(head) {
                case .none:
                    return complete(head)
                case .length(let length):
                    guard length <= maxBodyBytes else { throw .bodyTooLarge }
                    if length == 0 { return complete(head) }
                    self.head = head
                    state = .fixed(length)
                case .chunked:
                    self.head = head
                    state = .chunkSize
                case .untilClose:
                    self.head = head
                    state = .untilClose
                }
            case .fixed(let length):
                guard buffer.count - start >= length, let head else { return nil }
                body = Array(buffer[start..<(start + length)])
                start += length
                lineScan = start
                return complete(head)
            case .chunkSize:
                guard let line = try nextLine(budget: 1024, error: .badChunk, counted: false) else { return nil }
                let size = try Self.chunkSize(line)
                if size == 0 {
                    headBytes = 0
                    state = .trailers
                } else {
                    guard size <= maxBodyBytes - body.count else { throw .bodyTooLarge }
                    state = .chunkData(remaining: size)
                }
            case .chunkData(let remaining):
                let available = min(remaining, buffer.count - start)
                guard available > 0 else { return nil }
                body.append(contentsOf: buffer[start..<(start + available)])
                start += available
                lineScan = start
                state = available == remaining ? .chunkEnd : .chunkData(remaining: remaining - available)
            case .chunkEnd:
                guard let line = try nextLine(budget: 2, error: .badChunk, counted: false) else { return nil }
                guard line.isEmpty else { throw .badChunk }
                state = .chunkSize
            case .trailers:
                // Trailer fields are read and dropped; they count against the header limit.
                guard let line = try nextLine(budget: maxHeaderBytes - headBytes, error: .headerTooLarge, counted: true) else { return nil }
                if line.isEmpty, let head { return complete(head) }
            case .untilClose:
                guard start < buffer.count else { return nil }
                guard buffer.count - start <= maxBodyBytes - body.count else { throw .bodyTooLarge }
                body.append(contentsOf: buffer[start...])
                start = buffer.count
                lineScan = start
                return nil
            }
        }
    }

    /// The next line without its CRLF (or bare LF), or nil while its end has not arrived. Throws
    /// `error` when the line (with its ending) is longer than `budget`.
    private mutating func nextLine(budget: Int, error: HTTPParseError, counted: Bool) throws(HTTPParseError) -> ArraySlice<UInt8>? {
        let from = max(start, lineScan)
        guard let newline = buffer[from...].firstIndex(of: 10) else {
            lineScan = buffer.count
            if buffer.count - start > budget { throw error }
            return nil
        }
        let length = newline + 1 - start
        guard length <= budget else { throw error }
        if counted { headBytes += length }
        var end = newline
        if end > start, buffer[end - 1] == 13 { end -= 1 }
        let line = buffer[start..<end]
        start = newline + 1
        lineScan = start
        return line
    }

    private static func parseHead(_ lines: [Substring]) throws(HTTPParseError) -> Head {
        var headers = HTTPHeaders()
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { throw .badHeader }
            let name = line[..<colon]
            // RFC 9112 §5.1: no whitespace between the name and the colon.
            guard !name.isEmpty, name.utf8.allSatisfy(isTokenByte) else { throw .badHeader }
            let value = line[line.index(after: colon)...].trimmingOWS()
            guard !value.utf8.contains(where: { $0 == 13 || $0 == 0 }) else { throw .badHeader }
            headers.add(String(name), String(value))
        }
        return Head(startLine: lines[0], headers: headers)
    }

    /// RFC 9110 §5.6.2 tchar.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }

    /// RFC 9112 §7.1: chunk-size in hex, then optional `;extensions` (ignored).
    private static func chunkSize(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> Int {
        let digits = line.prefix { $0 != UInt8(ascii: ";") }.drop { $0 == 32 || $0 == 9 }.reversed().drop { $0 == 32 || $0 == 9 }.reversed()
        guard !digits.isEmpty, digits.count <= 15 else { throw .badChunk }
        var size = 0
        for byte in digits {
            let value: Int
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = Int(byte - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = Int(byte - UInt8(ascii: "A")) + 10
            default: throw .badChunk
            }
            size = size * 16 + value
        }
        return size
    }

    /// RFC 9110 §8.6: one length, or a list of the same length repeated; nil when absent.
    static func contentLength(_ headers: HTTPHeaders) throws(HTTPParseError) -> Int? {
        let values = headers.values("Content-Length").flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
        guard !values.isEmpty else { return nil }
        var length: Int?
        for value in values {
            let digits = value.trimmingOWS()
            guard !digits.isEmpty, digits.count <= 15, digits.utf8.allSatisfy({ (48...57).contains($0) }), let parsed = Int(digits) else {
                throw .badContentLength
            }
            if let length, length != parsed { throw .badContentLength }
            length = parsed
        }
        return length
    }

    /// Whether the last transfer coding is `chunked` (RFC 9112 §6.1); nil without Transfer-Encoding.
    static func isChunked(_ headers: HTTPHeaders) -> Bool? {
        let codings = headers.values("Transfer-Encoding").flatMap { $0.split(separator: ",") }.map { $0.trimmingOWS() }.filter { !$0.isEmpty }
        guard let last = codings.last else { return nil }
        return last.caseInsensitiveEquals("chunked")
    }
}
