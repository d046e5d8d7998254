/// An HTTP/1.1 request: what the request parser produces and what the client sends.
public struct HTTPRequest: Sendable, Equatable {
    public var method: HTTPMethod
    /// The request target as sent: "/metrics?x=1" (origin form).
    public var target: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(method: HTTPMethod, target: String, version: HTTPVersion = .http1_1, headers: HTTPHeaders = HTTPHeaders(),
                body: [UInt8] = []) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = body
    }

    /// The target without its query: "/metrics".
    public var path: Substring { target.prefix { $0 != "?" } }

    /// Whether the client wants the connection kept open after the response (RFC 9112 §9.3):
    /// HTTP/1.1 unless it says `Connection: close`, HTTP/1.0 only if it says `keep-alive`.
    public var keepAlive: Bool {
        if headers.hasToken("close", in: "Connection") { return false }
        return version == .http1_1 || headers.hasToken("keep-alive", in: "Connection")
    }

    /// The request line, the headers as they are and the body: callers set Host and Content-Length.
    public func serialized() -> [UInt8] {
        var bytes = Array("\(method.rawValue) \(target) \(version)\r\n".utf8)
        HTTPResponse.appendHeaders(headers, to: &bytes)
        bytes += body
        return bytes
    }
}
