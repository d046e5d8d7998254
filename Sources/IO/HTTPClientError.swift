/// Why an HTTP request got no response, matchable by case.
public enum HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not an `http://host[:port]/…` URL.
    case badURL(String)
    /// An `https://` URL: this client speaks plain HTTP only (no TLS library in the project).
    case httpsNotSupported
    /// A header name or value that cannot be sent (CR, LF or NUL in it, or not a token name).
    case invalidHeader(String)
    /// The host name did not resolve.
    case cannotResolve(String)
    /// The TCP connection could not be made (refused, unreachable, …).
    case connectFailed(IOError)
    /// The TCP connection was not made within the connect timeout.
    case connectTimedOut(Duration)
    /// The whole response did not arrive within the read timeout after the request was sent.
    case readTimedOut(Duration)
    /// The connection broke or closed before the response was complete (nil: a clean close).
    case connectionFailed(IOError?)
    /// The peer answered something that is not an HTTP/1.x response.
    case malformedResponse(HTTPParseError)
    /// The calling task was cancelled.
    case cancelled
    /// An `https://` post failed in TLS or below it (an untrusted or wrong-name certificate, a
    /// refused connection), in the words of the TLS stack.
    case tls(String)

    /// Whether sending the same request again cannot succeed (a bad URL or header, https).
    public var isPermanent: Bool {
        switch self {
        case .badURL, .httpsNotSupported, .invalidHeader: true
        case .cannotResolve, .connectFailed, .connectTimedOut, .readTimedOut, .connectionFailed, .malformedResponse, .cancelled, .tls: false
        }
    }

    public var description: String {
        switch self {
        case .badURL(let url): "\(url) is not an http:// URL"
        case .httpsNotSupported: "https is not supported by this client (only http:// URLs)"
        case .invalidHeader(let name): "header \(name) cannot be sent (line break, NUL or a bad name)"
        case .cannotResolve(let host): "cannot resolve \(host)"
        case .connectFailed(let error): "cannot connect: \(error.errno != 0 ? String(describing: error) : error.operation)"
        case .connectTimedOut(let timeout): "connect timed out after \(Self.seconds(timeout)) s"
        case .readTimedOut(let timeout): "no response within \(Self.seconds(timeout)) s"
        case .connectionFailed(let error): "connection failed: " + (error.map { "\($0)" } ?? "closed before the response was complete")
        case .malformedResponse(let error): "not an HTTP response: \(error)"
        case .cancelled: "request cancelled"
        case .tls(let message): "https: \(message)"
        }
    }

    /// "2" or "0.5": seconds as a person writes them.
    static func seconds(_ duration: Duration) -> String {
        let milliseconds = duration.nanosecondsClamped / 1_000_000
        return milliseconds % 1000 == 0 ? String(milliseconds / 1000) : String(Double(milliseconds) / 1000)
    }
}
