/// An HTTP/1.1 response: what the response parser produces and what the server sends.
public struct HTTPResponse: Sendable, Equatable {
    public var status: Int
    public var reason: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Int, reason: String? = nil, version: HTTPVersion = .http1_1, headers: HTTPHeaders = HTTPHeaders(),
                body: [UInt8] = []) {
        self.status = status
        self.reason = reason ?? Self.reasonPhrase(status)
        self.version = version
        self.headers = headers
        self.body = body
    }

    /// A response with a text body and its Content-Type.
    public init(status: Int, contentType: String, text: String) {
        self.init(status: status, headers: ["Content-Type": contentType], body: Array(text.utf8))
    }

    /// The status line, the headers as they are and the body: callers set Content-Length.
    public func serialized() -> [UInt8] {
        var bytes = Array("\(version) \(status) \(reason)\r\n".utf8)
        Self.appendHeaders(headers, to: &bytes)
        bytes += body
        return bytes
    }

    static func appendHeaders(_ headers: HTTPHeaders, to bytes: inout [UInt8]) {
        for field in headers {
            bytes += field.name.utf8
            bytes += [UInt8(ascii: ":"), UInt8(ascii: " ")]
            bytes += field.value.utf8
            bytes += [13, 10]
        }
        bytes += [13, 10]
    }

    /// The usual reason phrase for the statuses this project sends (RFC 9110 §15).
    public static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 303: "See Other"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 413: "Content Too Large"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        default: "Status \(status)"
        }
    }
}
