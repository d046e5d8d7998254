/// An incremental HTTP/1.1 request parser: append bytes as they arrive, take requests out as they
/// complete (pipelined requests one after another). Bodies framed by Content-Length or chunked;
/// limits on the head (start line, headers) and on the body.
public struct HTTPRequestParser {
    private var framer: HTTPMessageFramer

    /// - Parameters:
    ///   - maxHeaderBytes: the longest request line plus header section accepted (`.headerTooLarge` beyond).
    ///   - maxBodyBytes: the longest body accepted (`.bodyTooLarge` beyond, as soon as it is known).
    public init(maxHeaderBytes: Int = 16_384, maxBodyBytes: Int = 1 << 20) {
        framer = HTTPMessageFramer(maxHeaderBytes: maxHeaderBytes, maxBodyBytes: maxBodyBytes)
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) { framer.append(bytes) }
    public mutating func append(_ bytes: [UInt8]) { framer.append(bytes) }

    /// Whether part of a request has arrived (and is not complete yet).
    public var hasPartialMessage: Bool { framer.hasPartialMessage }

    /// The next complete request, or nil until more bytes arrive. After an error the parser stays
    /// failed: the connection should answer `error.status` and close.
    public mutating func nextRequest() throws(HTTPParseError) -> HTTPRequest? {
        guard let (head, body) = try framer.next(framing: Self.framing) else { return nil }
        let (method, target, version) = try Self.requestLine(head.startLine)
        return HTTPRequest(method: method, target: target, version: version, headers: head.headers, body: body)
    }

    /// At the end of input: `.incompleteMessage` if a request was cut off.
    public mutating func finish() throws(HTTPParseError) {
        _ = try framer.finish()
    }

    /// RFC 9112 §6.1, §6.3: chunked (only), else Content-Length, else no body; both is an error.
    private static func framing(_ head: HTTPMessageFramer.Head) throws(HTTPParseError) -> HTTPMessageFramer.BodyFraming {
        _ = try requestLine(head.startLine)
        let length = try HTTPMessageFramer.contentLength(head.headers)
        if let chunked = HTTPMessageFramer.isChunked(head.headers) {
            guard length == nil else { throw .conflictingFraming }
            guard chunked, head.headers.values("Transfer-Encoding").count == 1,
                  head.headers["Transfer-Encoding"]?.trimmingOWS().caseInsensitiveEquals("chunked") == true
            else { throw .unsupportedTransferEncoding }
            return .chunked
        }
        return .length(length ?? 0)
    }

    /// RFC 9112 §3: method SP request-target SP HTTP-version.
    private static func requestLine(_ line: Substring) throws(HTTPParseError) -> (HTTPMethod, String, HTTPVersion) {
        let parts = line.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].utf8.allSatisfy(HTTPMessageFramer.isTokenByte),
              !parts[1].isEmpty, !parts[1].utf8.contains(where: { $0 <= 32 || $0 == 127 })
        else { throw .badStartLine }
        guard let version = HTTPVersion(parts[2]) else { throw .badStartLine }
        guard version == .http1_1 || version == .http1_0 else { throw .unsupportedVersion }
        return (HTTPMethod(rawValue: String(parts[0])), String(parts[1]), version)
    }
}
