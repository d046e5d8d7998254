/// A minimal HTTP/1.1 server on an event loop: a `TCPListener`, a request parser per connection and
/// a handler that answers each request once (at once on the loop, or later from any thread through
/// its `HTTPResponder`). Keep-alive with one request at a time per connection (pipelined requests
/// wait their turn), a header timeout, and limits on header and body size, requests per connection
/// and connections.
public final class HTTPServer: Sendable {
    /// Limits of the server and of each connection.
    public struct Configuration: Sendable {
        /// The longest request line plus headers (431 beyond).
        public var maxHeaderBytes: Int
        /// The longest request body (413 beyond).
        public var maxBodyBytes: Int
        /// How long a connection may take to send a complete request, from its opening or from the
        /// previous response: an idle connection is closed, a partial request gets 408.
        public var headerTimeout: Duration
        /// Requests served on one connection before it is closed (`Connection: close` on the last).
        public var maxRequestsPerConnection: Int
        /// Connections open at once; one more gets 503 and is closed.
        public var maxConnections: Int
        /// How long a connection may wait between requests (no byte of the next one yet) before it
        /// is closed; nil: `headerTimeout`. Once a request begins, `headerTimeout` runs from there.
        public var idleTimeout: Duration?
        /// The response to a request the server refuses itself (malformed, too large, too slow, too
        /// many connections), given the status and a short reason; nil: plain text.
        public var errorResponse: (@Sendable (Int, String) -> HTTPResponse)?

        public init(maxHeaderBytes: Int = 16_384, maxBodyBytes: Int = 1 << 20, headerTimeout: Duration = .seconds(10),
                    maxRequestsPerConnection: Int = 100, maxConnections: Int = 64, idleTimeout: Duration? = nil,
                    errorResponse: (@Sendable (Int, String) -> HTTPResponse)? = nil) {
            self.maxHeaderBytes = maxHeaderBytes
            self.maxBodyBytes = maxBodyBytes
            self.headerTimeout = headerTimeout
            self.maxRequestsPerConnection = max(1, maxRequestsPerConnection)
            self.maxConnections = max(1, maxConnections)
            self.idleTimeout = idleTimeout
            self.errorResponse = errorResponse
        }

        /// The server's own answer with `status`.
        func refusal(_ status: Int, _ reason: String) -> HTTPResponse {
            errorResponse?(status, reason) ?? HTTPResponse(status: status, contentType: "text/plain", text: reason + "\n")
        }
    }

    /// Called on the loop's thread for each request; must answer it exactly once through the responder.
    /// Blocking work (a database query) goes to a thread of its own and responds from there.
    public typealias Handler = @Sendable (HTTPRequest, HTTPResponder) -> Void

    public let loop: EventLoop
    /// The address listened on (with the real port when 0 was asked for).
    public var localAddress: SocketAddress { listener.localAddress }
    private let listener: TCPListener
    private let registry: Registry

    /// The server's open connections. On the loop's thread only.
    final class Registry: @unchecked Sendable {
        // @unchecked Sendable: the immutable settings aside, `connections` and `closed` are touched
        // only on the loop's thread (the listener's callback, the connections' own callbacks, `close`).
        let configuration: Configuration
        let handler: Handler
        var connections: [ObjectIdentifier: HTTPServerConnection] = [:]
        var closed = false

        init(configuration: Configuration, handler: @escaping Handler) {
            self.configuration = configuration
            self.handler = handler
        }

        func accept(_ connection: TCPConnection) {
            guard !closed else {
                connection.close()
                return
            }
            guard connections.count < configuration.maxConnections else {
                HTTPServerConnection.refuse(connection, with: configuration.refusal(503, "too many connections"))
                return
            }
            let served = HTTPServerConnection(connection: connection, configuration: configuration, handler: handler) { [weak self] gone in
                self?.connections[ObjectIdentifier(gone)] = nil
            }
            connections[ObjectIdentifier(served)] = served
            served.start()
        }
    }

    /// Listens on `address` (port 0: any free one) and serves on `loop`. Callable from any thread.
    public init(bind address: SocketAddress, on loop: EventLoop, configuration: Configuration = Configuration(),
                handler: @escaping Handler) throws(IOError) {
        let registry = Registry(configuration: configuration, handler: handler)
        self.registry = registry
        self.loop = loop
        listener = try TCPListener(bind: address, on: loop) { connection in registry.accept(connection) }
    }

    /// Stops listening and closes every connection (responses not yet sent are dropped). From any thread.
    public func close() {
        let registry = self.registry
        listener.close()
        loop.execute {
            registry.closed = true
            for connection in registry.connections.values { connection.close() }
            registry.connections.removeAll()
        }
    }
}
