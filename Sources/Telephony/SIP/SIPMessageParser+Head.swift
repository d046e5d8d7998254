extension SIPMessageParser {
    /// What a datagram is, read without parsing its header fields: the start line and the Call-ID.
    public struct Head: Sendable, Equatable {
        public var startLine: SIPMessage.StartLine
        /// The first Call-ID (or `i`) field's value, exactly as `SIPMessage.callID` would read it;
        /// nil when the header section has none.
        public var callID: String?

        public init(startLine: SIPMessage.StartLine, callID: String? = nil) {
            self.startLine = startLine
            self.callID = callID
        }

        public var isRequest: Bool {
            if case .request = startLine { return true }
            return false
        }
    }

    /// Reads a datagram's start line and Call-ID with one scan that stops at the Call-ID, so that
    /// input nobody asked for (a request from a stranger, a response to no call of ours) is dropped
    /// before its headers are parsed (issue 14). The rest of the message is not checked: a datagram
    /// worth keeping still goes through `parse(datagram:)`.
    /// - Throws: `ParseError` when the start line is not SIP, or the lines before the Call-ID exceed
    ///   the parser's limits.
    /// - Parameter readingCallID: given whether the start line is a request, whether to look for the
    ///   Call-ID (a datagram that will be parsed in full anyway need not be scanned twice).
    public static func head(ofDatagram raw: UnsafeRawBufferPointer,
                            readingCallID: (_ isRequest: Bool) -> Bool = { _ in true }) throws(ParseError) -> Head {
        guard raw.count <= maximumMessageSize else {
            throw ParseError("message of \(raw.count) bytes is larger than \(maximumMessageSize)", code: .tooLarge)
        }
        return try raw.withMemoryRebound(to: UInt8.self) { bytes in scanHead(bytes, readingCallID: readingCallID) }.get()
    }

    private static func scanHead(_ bytes: UnsafeBufferPointer<UInt8>, readingCallID: (Bool) -> Bool) -> Result<Head, ParseError> {
        @inline(__always) func lineEnd(from index: Int) -> Int { SIPBytes.lineEnd(bytes, from: index, bytes.count) }
        // CRLF is one line end; a bare CR or LF is one too (as in `parse`).
        @inline(__always) func nextLine(after end: Int) -> Int {
            guard end < bytes.count else { return end }
            return end + (bytes[end] == 0x0D && end + 1 < bytes.count && bytes[end + 1] == 0x0A ? 2 : 1)
        }
        var start = 0
        while start + 1 < bytes.count, bytes[start] == 0x0D || bytes[start] == 0x0A { start += 1 }
        let startEnd = lineEnd(from: start)
        let startLine: SIPMessage.StartLine
        switch parseStartLine(bytes, start, startEnd) {
        case .success(let parsed): startLine = parsed
        case .failure(let error): return .failure(error)
        }
        guard readingCallID(Head(startLine: startLine).isRequest) else { return .success(Head(startLine: startLine)) }
        var index = nextLine(after: startEnd)
        var lines = 1
        // Header lines up to the empty line; the first one named Call-ID or i is the one `header()` finds.
        while index < bytes.count, bytes[index] != 0x0A, bytes[index] != 0x0D {
            lines += 1
            guard lines <= maximumLines else {
                return .failure(ParseError("header section has more than \(maximumLines) lines", code: .tooManyLines))
            }
            let end = lineEnd(from: index)
            defer { index = nextLine(after: end) }
            guard bytes[index] != 0x20, bytes[index] != 0x09,
                  let colon = SIPBytes.firstIndex(of: UInt8(ascii: ":"), in: bytes, index, end) else { continue }
            let (nameLo, nameHi) = SIPBytes.trimmed(bytes, index, colon)
            guard SIPBytes.equalsIgnoringCase(bytes, nameLo, nameHi, "Call-ID") || SIPBytes.equalsIgnoringCase(bytes, nameLo, nameHi, "i")
            else { continue }
            // Folded continuation lines join with one space, as `parse` joins them.
            var value = Array(UnsafeBufferPointer(rebasing: bytes[(colon + 1)..<end]))
            var next = nextLine(after: end)
            var continuations = 0
            while next < bytes.count, bytes[next] == 0x20 || bytes[next] == 0x09 {
                continuations += 1
                guard continuations <= maximumContinuationLines else {
                    return .failure(ParseError("a header field is folded over more than \(maximumContinuationLines) continuation lines",
                                               code: .tooManyContinuationLines))
                }
                let continuationEnd = lineEnd(from: next)
                let (lo, hi) = SIPBytes.trimmed(bytes, next, continuationEnd)
                value.append(0x20)
                value.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[lo..<hi]))
                next = nextLine(after: continuationEnd)
            }
            let callID = value.withUnsafeBufferPointer { SIPBytes.trimmedString($0, 0, $0.count) }
            return .success(Head(startLine: startLine, callID: callID))
        }
        return .success(Head(startLine: startLine, callID: nil))
    }
}
