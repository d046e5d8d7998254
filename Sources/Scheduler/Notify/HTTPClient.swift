import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small blocking HTTP/1.1 client for webhook POSTs over plain TCP (`http://` URLs), with separate
/// connect and read timeouts. Run it on a thread of its own, never on the shared task pool.
public enum HTTPClient {
    public struct Response: Sendable, Equatable {
        public var status: Int
        public var body: String
    }

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case badURL(String)
        case unsupportedScheme(String)
        case cannotResolve(String)
        case connectFailed(String)
        case connectTimedOut(Double)
        case readTimedOut(Double)
        case io(String)
        case malformedResponse(String)

        public var description: String {
            switch self {
            case .badURL(let url): "\(url) is not an http:// URL"
            case .unsupportedScheme(let scheme): "\(scheme):// endpoints are not supported yet (only http://)"
            case .cannotResolve(let host): "cannot resolve \(host)"
            case .connectFailed(let reason): "cannot connect: \(reason)"
            case .connectTimedOut(let seconds): "connect timed out after \(seconds) s"
            case .readTimedOut(let seconds): "no response within \(seconds) s"
            case .io(let reason): "connection failed: \(reason)"
            case .malformedResponse(let start): "not an HTTP response: \(start)"
            }
        }
    }

    /// The parts of an `http://host[:port]/path` URL.
    public struct Endpoint: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var path: String

        public init(host: String, port: Int, path: String) {
            self.host = host
            self.port = port
            self.path = path
        }

        public init(_ url: String) throws(Failure) {
            guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased() else { throw .badURL(url) }
            guard scheme == "http" else { throw scheme == "https" ? .unsupportedScheme(scheme) : .badURL(url) }
            guard let host = parts.host, !host.isEmpty, (1...65535).contains(parts.port ?? 80) else { throw .badURL(url) }
            self.host = host
            port = parts.port ?? 80
            path = (parts.percentEncodedPath.isEmpty ? "/" : parts.percentEncodedPath)
                + (parts.percentEncodedQuery.map { "?" + $0 } ?? "")
        }
    }

    public static func post(_ url: String, headers: [(String, String)], body: [UInt8], connectTimeout: Double,
                            readTimeout: Double) throws(Failure) -> Response {
        let endpoint = try Endpoint(url)
        let fd = try connect(endpoint, timeout: connectTimeout)
        defer { close(fd) }
        var request = "POST \(endpoint.path) HTTP/1.1\r\nHost: \(endpoint.host):\(endpoint.port)\r\n"
        request += "Content-Length: \(body.count)\r\nConnection: close\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        try send(fd, Array(request.utf8) + body, timeout: readTimeout)
        return try receive(fd, timeout: readTimeout)
    }

    private static func connect(_ endpoint: Endpoint, timeout: Double) throws(Failure) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(endpoint.host, String(endpoint.port), &hints, &results) == 0, let first = results else {
            throw .cannotResolve(endpoint.host)
        }
        defer { freeaddrinfo(results) }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .connectFailed(String(cString: strerror(errno))) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        if Glibc.connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) != 0 {
            guard errno == EINPROGRESS else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw .connectFailed(reason)
            }
            guard wait(fd, for: Int16(POLLOUT), seconds: timeout) else {
                close(fd)
                throw .connectTimedOut(timeout)
            }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            guard error == 0 else {
                close(fd)
                throw .connectFailed(String(cString: strerror(error)))
            }
        }
        return fd
    }

    private static func wait(_ fd: Int32, for events: Int16, seconds: Double) -> Bool {
        var poller = pollfd(fd: fd, events: events, revents: 0)
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let remaining = Int32(max(0, deadline.timeIntervalSinceNow * 1000))
            let ready = poll(&poller, 1, remaining)
            if ready > 0 { return true }
            if ready == 0 || errno != EINTR { return false }
        }
    }

    private static func send(_ fd: Int32, _ bytes: [UInt8], timeout: Double) throws(Failure) {
        var offset = 0
        while offset < bytes.count {
            guard wait(fd, for: Int16(POLLOUT), seconds: timeout) else { throw .readTimedOut(timeout) }
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                throw .io(String(cString: strerror(errno)))
            }
            offset += sent
        }
    }

    private static func receive(_ fd: Int32, timeout: Double) throws(Failure) -> Response {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        var expectedLength: Int?
        var headerEnd: Int?
        while true {
            if let headerEnd, let expectedLength, data.count - headerEnd >= expectedLength { break }
            guard wait(fd, for: Int16(POLLIN), seconds: timeout) else { throw .readTimedOut(timeout) }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                throw .io(String(cString: strerror(errno)))
            }
            if count == 0 { break }
            data += buffer[0..<count]
            if headerEnd == nil, let end = data.firstRange(of: [13, 10, 13, 10]) {
                headerEnd = end.upperBound
                let head = String(decoding: data[..<end.lowerBound], as: UTF8.self).lowercased()
                for line in head.split(separator: "\r\n") where line.hasPrefix("content-length:") {
                    expectedLength = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
                }
            }
            if data.count > 1 << 20 { break }
        }
        let text = String(decoding: data, as: UTF8.self)
        let statusLine = text.prefix { $0 != "\r" && $0 != "\n" }
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]) else {
            throw .malformedResponse(String(statusLine.prefix(40)))
        }
        let body = headerEnd.map { String(decoding: data[$0...], as: UTF8.self) } ?? ""
        return Response(status: status, body: body)
    }
}
