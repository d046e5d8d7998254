import IO

/// One SIP over TCP connection of `SIPTransport` (RFC 3261 §18): the messages written before the
/// connect completes, then the open connection, and a stream parser framing what arrives by
/// Content-Length (§18.3). Lives on the transport's loop; `SIPTransport`'s lock guards `state`.
final class SIPStreamConnection: @unchecked Sendable {
    // @unchecked Sendable: `state` is read and written under `SIPTransport.lock`; `parser` only on
    // the transport's loop (in the connection's `received` handler).
    enum State {
        /// Connecting; these messages go out, in order, once it is open.
        case connecting(pending: [[UInt8]])
        case open(TCPConnection)
    }

    let remote: SocketAddress
    var state: State
    var parser = SIPMessageParser()

    init(remote: SocketAddress, state: State) {
        self.remote = remote
        self.state = state
    }

    /// The connection's handlers: each framed message to `message`, the end (with the error, or nil
    /// after a clean close) to `closed`. A stream that cannot be framed is closed (it cannot be
    /// resynchronised).
    func handlers(for connection: TCPConnection, message: @escaping (SIPMessage, SocketAddress) -> Void, malformed: @escaping () -> Void,
                  closed: @escaping (IOError?) -> Void) -> TCPConnection.Handlers {
        TCPConnection.Handlers(
            received: { [self] bytes in
                parser.append(bytes)
                do {
                    while let next = try parser.next() { message(next, remote) }
                } catch {
                    malformed()
                    connection.close()
                }
            },
            writabilityChanged: { _ in },
            closed: closed)
    }
}
