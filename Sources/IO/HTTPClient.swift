import Dispatch

/// A small HTTP/1.1 client on an event loop (plain `http://`): one connection per request
/// (`Connection: close`), a connect timeout and a read timeout that bound every request on the
/// loop's clock, and no thread blocked while it waits. Host names that are not IP literals are
/// looked up on one serial resolver queue of its own (getaddrinfo blocks), never on the loop or the
/// task pool.
public final class HTTPClient: Sendable {
    /// How long a request may take.
    public struct Timeouts: Sendable, Equatable {
        /// From the start of the TCP connect to its completion.
        public var connect: Duration
        /// From the connection being made (the request written) to the last byte of the response.
        public var read: Duration

        public init(connect: Duration = .seconds(5), read: Duration = .seconds(10)) {
            self.connect = connect
            self.read = read
        }
    }

    /// The loop requests run on; it must outlive them (a request on a stopped loop never ends).
    public let loop: EventLoop
    /// The largest response body accepted (the response fails as malformed beyond it).
    public let maxResponseBytes: Int
    private static let resolver = DispatchQueue(label: "campaignd.http-resolver")

    public init(loop: EventLoop, maxResponseBytes: Int = 1 << 20) {
        self.loop = loop
        self.maxResponseBytes = maxResponseBytes
    }

    /// Sends `request` to `host:port` and returns the response, whatever its status.
    ///
    /// The client adds `Host` (unless set), `Content-Length` (for a body, or a POST/PUT/PATCH) and
    /// `Connection: close`. Cancelling the calling task closes the connection and throws `.cancelled`.
    public func send(_ request: HTTPRequest, host: String, port: Int, timeouts: Timeouts) async throws(HTTPClientError) -> HTTPResponse {
        let exchange = try prepare(request, host: host, port: port, timeouts: timeouts)
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<HTTPResponse, HTTPClientError>, Never>) in
                begin(exchange, host: host, port: port) { continuation.resume(returning: $0) }
            }
        } onCancel: {
            exchange.cancel()
        }
        return try result.get()
    }

    /// Sends `request` to the endpoint of a URL (its target replaces the request's).
    public func send(_ request: HTTPRequest, to endpoint: HTTPEndpoint, timeouts: Timeouts) async throws(HTTPClientError) -> HTTPResponse {
        var request = request
        request.target = endpoint.target
        if !request.headers.contains("Host") { request.headers.set("Host", endpoint.authority) }
        return try await send(request, host: endpoint.host, port: endpoint.port, timeouts: timeouts)
    }

    /// The same for code outside Swift concurrency (a thread of its own): `completion` is called
    /// once, on the loop's thread, so it must not block.
    public func send(_ request: HTTPRequest, host: String, port: Int, timeouts: Timeouts,
                     completion: @escaping @Sendable (Result<HTTPResponse, HTTPClientError>) -> Void) {
        do {
            let exchange = try prepare(request, host: host, port: port, timeouts: timeouts)
            begin(exchange, host: host, port: port, completion: completion)
        } catch {
            loop.execute { completion(.failure(error)) }
        }
    }

    private func prepare(_ request: HTTPRequest, host: String, port: Int, timeouts: Timeouts) throws(HTTPClientError) -> HTTPClientExchange {
        var request = request
        for field in request.headers {
            guard !field.name.isEmpty, field.name.utf8.allSatisfy(HTTPMessageFramer.isTokenByte),
                  !field.value.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 })
            else { throw .invalidHeader(field.name) }
        }
        guard !request.target.isEmpty, !request.target.utf8.contains(where: { $0 <= 32 || $0 == 127 }) else { throw .badURL(request.target) }
        if !request.headers.contains("Host") {
            request.headers.set("Host", HTTPEndpoint(host: host, port: port, target: "/").authority)
        }
        if !request.headers.contains("Transfer-Encoding"),
           !request.body.isEmpty || [HTTPMethod.post, .put, .patch].contains(request.method) {
            request.headers.set("Content-Length", String(request.body.count))
        }
        request.headers.set("Connection", "close")
        return HTTPClientExchange(loop: loop, request: request.serialized(), method: request.method, timeouts: timeouts,
                                  maxResponseBytes: maxResponseBytes)
    }

    private func begin(_ exchange: HTTPClientExchange, host: String, port: Int,
                       completion: @escaping @Sendable (Result<HTTPResponse, HTTPClientError>) -> Void) {
        let loop = self.loop
        // Both go through the loop's queue in this order: the completion is attached before the start.
        loop.execute { exchange.attach(completion) }
        if let literal = try? SocketAddress(host: host, port: port) {
            loop.execute { exchange.start(to: literal) }
            return
        }
        Self.resolver.async {
            do {
                let address = try SocketAddress.resolve(host: host, port: port)
                loop.execute { exchange.start(to: address) }
            } catch {
                loop.execute { exchange.fail(.cannotResolve(host)) }
            }
        }
    }
}
