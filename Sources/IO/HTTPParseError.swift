/// Why bytes are not a well-formed HTTP/1.1 message (RFC 9112), or exceed a limit. Matchable by case;
/// `status` says what a server answers.
public enum HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request line or status line is not `METHOD SP target SP HTTP/x.y` / `HTTP/x.y SP 3DIGIT SP reason`.
    case badStartLine
    /// A version other than HTTP/1.0 or HTTP/1.1.
    case unsupportedVersion
    /// A header line without a colon, with whitespace before the colon, a bad name, or folded (§5.2).
    case badHeader
    /// The start line and headers (or a chunked body's trailers) are longer than the limit.
    case headerTooLarge
    /// Content-Length is not a number, or two of them differ (§6.3).
    case badContentLength
    /// A request with both Content-Length and Transfer-Encoding (§6.1: a smuggling risk).
    case conflictingFraming
    /// A request Transfer-Encoding other than `chunked` (§6.1: 501).
    case unsupportedTransferEncoding
    /// A chunk size line or chunk end that is not as §7.1 says.
    case badChunk
    /// The body is longer than the limit.
    case bodyTooLarge
    /// The connection ended in the middle of a message.
    case incompleteMessage

    /// The status a server answers a request with this error with.
    public var status: Int {
        switch self {
        case .headerTooLarge: 431
        case .bodyTooLarge: 413
        case .unsupportedTransferEncoding: 501
        case .unsupportedVersion: 505
        case .badStartLine, .badHeader, .badContentLength, .conflictingFraming, .badChunk, .incompleteMessage: 400
        }
    }

    public var description: String {
        switch self {
        case .badStartLine: "malformed start line"
        case .unsupportedVersion: "unsupported HTTP version"
        case .badHeader: "malformed header field"
        case .headerTooLarge: "header section too large"
        case .badContentLength: "invalid Content-Length"
        case .conflictingFraming: "both Content-Length and Transfer-Encoding"
        case .unsupportedTransferEncoding: "unsupported Transfer-Encoding"
        case .badChunk: "malformed chunked body"
        case .bodyTooLarge: "body too large"
        case .incompleteMessage: "connection closed in the middle of a message"
        }
    }
}
