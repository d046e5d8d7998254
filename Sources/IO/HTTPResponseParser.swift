/// An incremental HTTP/1.1 response parser: append bytes as they arrive, take the response out when
/// complete. Bodies framed by Content-Length, chunked, or the end of the connection (then `finish`
/// returns it); interim 1xx responses are skipped.
public struct HTTPResponseParser {
    private var framer: HTTPMessageFramer
    /// The method of the request answered: a response to HEAD has no body whatever it says.
    public var requestMethod: HTTPMethod

    public init(requestMethod: HTTPMethod = .get, maxHeaderBytes: Int = 16_384, maxBodyBytes: Int = 1 << 20) {
        framer = HTTPMessageFramer(maxHeaderBytes: maxHeaderBytes, maxBodyBytes: maxBodyBytes)
        self.requestMethod = requestMethod
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) { framer.append(bytes) }
    public mutating func append(_ bytes: [UInt8]) { framer.append(bytes) }

    /// The next complete (final) response, or nil until more bytes arrive.
    public mutating func nextResponse() throws(HTTPParseError) -> HTTPResponse? {
        let head = requestMethod == .head
        while let (message, body) = try framer.next(framing: { (message) throws(HTTPParseError) in try Self.framing(message, head: head) }) {
            let (version, status, reason) = try Self.statusLine(message.startLine)
            // RFC 9110 §15.2: interim responses come before the final one; 101 would switch protocols,
            // which this client never asks for, so it is taken as final.
            if (100..<200).contains(status), status != 101 { continue }
            return HTTPResponse(status: status, reason: reason, version: version, headers: message.headers, body: body)
        }
        return nil
    }

    /// At the end of input: the response whose body ran until the close; nil if nothing was
    /// pending; `.incompleteMessage` if the response was cut off.
    public mutating func finish() throws(HTTPParseError) -> HTTPResponse? {
        guard let (message, body) = try framer.finish() else { return nil }
        let (version, status, reason) = try Self.statusLine(message.startLine)
        return HTTPResponse(status: status, reason: reason, version: version, headers: message.headers, body: body)
    }

    /// RFC 9112 §6.3.
    private static func framing(_ message: HTTPMessageFramer.Head, head: Bool) throws(HTTPParseError) -> HTTPMessageFramer.BodyFraming {
        let (_, status, _) = try statusLine(message.startLine)
        if head || (100..<200).contains(status) || status == 204 || status == 304 { return .none }
        if let chunked = HTTPMessageFramer.isChunked(message.headers) { return chunked ? .chunked : .untilClose }
        if let length = try HTTPMessageFramer.contentLength(message.headers) { return .length(length) }
        return .untilClose
    }

    /// RFC 9112 §4: HTTP-version SP 3DIGIT SP [reason-phrase] (the SP before an empty reason is tolerated missing).
    private static func statusLine(_ line: Substring) throws(HTTPParseError) -> (HTTPVersion, Int, String) {
        let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, let version = HTTPVersion(parts[0]) else { throw .badStartLine }
        guard version.major == 1 else { throw .unsupportedVersion }
        guard parts[1].utf8.count == 3, parts[1].utf8.allSatisfy({ (48...57).contains($0) }), let status = Int(parts[1]),
              status >= 100 else { throw .badStartLine }
        return (version, status, parts.count == 3 ? String(parts[2]) : "")
    }
}
