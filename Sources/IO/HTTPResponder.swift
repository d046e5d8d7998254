/// The way back for one request's response: `respond` once, from any thread.
public struct HTTPResponder: Sendable {
    let connection: HTTPServerConnection
    let sequence: Int

    /// Sends `response` (Content-Length and, when the connection ends, `Connection: close` are
    /// added). A second call, or a call after the connection closed, is ignored.
    public func respond(_ response: HTTPResponse) {
        let connection = self.connection
        let sequence = self.sequence
        if connection.loop.inEventLoop {
            connection.respond(response, to: sequence)
        } else {
            connection.loop.execute { connection.respond(response, to: sequence) }
        }
    }

    /// Starts a chunked response: `head`'s status and headers now (its body is ignored), the body
    /// through `send`, then `finish`. Instead of `respond`, from any thread.
    public func beginStream(_ head: HTTPResponse) {
        onLoop { connection, sequence in connection.beginStream(head, to: sequence) }
    }

    /// One piece of a streamed body (nothing once the client has gone).
    public func send(_ bytes: [UInt8]) {
        onLoop { connection, sequence in connection.streamChunk(bytes, to: sequence) }
    }

    /// Ends a streamed body.
    public func finish() {
        onLoop { connection, sequence in connection.endStream(to: sequence) }
    }

    /// Whether the connection has closed (a streaming producer stops then).
    public var isClosed: Bool { connection.isClosed }

    private func onLoop(_ body: @escaping @Sendable (HTTPServerConnection, Int) -> Void) {
        let connection = self.connection
        let sequence = self.sequence
        if connection.loop.inEventLoop {
            body(connection, sequence)
        } else {
            connection.loop.execute { body(connection, sequence) }
        }
    }
}
