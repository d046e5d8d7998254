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
}
