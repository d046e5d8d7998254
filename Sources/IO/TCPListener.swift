import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// A listening TCP socket on an event loop: it accepts every pending connection when the socket is
/// readable (`accept4`, non-blocking, until EAGAIN) and hands each one, registered on its loop, to
/// the `accepted` callback on that loop's thread. The owner must `start` each connection (and
/// close it in the end).
public final class TCPListener: Selectable, @unchecked Sendable {
    // @unchecked Sendable: `loop`, `localAddress`, `fd`, `options`, `connectionLoop` and `accepted`
    // never change; `registration`, `closed` and `pauseTimer` are confined to the loop's thread.
    public typealias Accepted = @Sendable (TCPConnection) -> Void

    public let loop: EventLoop
    /// The address bound (with the real port when 0 was asked for).
    public let localAddress: SocketAddress
    private let fd: Int32
    private let options: TCPConnection.Options
    private let connectionLoop: (@Sendable () -> EventLoop)?
    private let accepted: Accepted
    private var registration: EventLoop.Registration?
    private var closed = false
    private var pauseTimer: EventLoop.TimerID?

    /// Binds `address` (port 0: any free port), listens, and starts accepting on `loop`. Callable
    /// from any thread: the socket is registered at the loop's next turn, and connections wait in
    /// the backlog until then.
    /// - Parameters:
    ///   - backlog: connections the kernel completes and queues before they are accepted.
    ///   - options: the accepted connections' outbound buffer limits.
    ///   - connectionLoop: the loop each accepted connection lives on (default: this one), such as
    ///     `group.next`.
    ///   - accepted: called on the connection's loop with each new connection.
    public init(bind address: SocketAddress, on loop: EventLoop, backlog: Int32 = 128, options: TCPConnection.Options = .init(),
                connectionLoop: (@Sendable () -> EventLoop)? = nil, accepted: @escaping Accepted) throws(IOError) {
        // SO_REUSEADDR: a restarted daemon may bind its port while old connections sit in TIME_WAIT.
        let (fd, actual) = try BoundSocket.open(SOCK_STREAM, bind: address, reuseAddress: true) { fd throws(IOError) in
            guard listen(fd, backlog) == 0 else { throw IOError(.system, "listen \(address)", errno: errno) }
        }
        self.fd = fd
        self.loop = loop
        self.localAddress = actual
        self.options = options
        self.connectionLoop = connectionLoop
        self.accepted = accepted
        if loop.inEventLoop {
            try register()
        } else {
            loop.execute { [self] in try? register() }
        }
    }

    private func register() throws(IOError) {
        guard !closed else { return }
        registration = try loop.register(fd, readable: true, writable: false, handler: self)
    }

    /// Stops accepting and closes the socket (connections already accepted stay open). From any
    /// thread: off the loop, it happens at the loop's next turn.
    public func close() {
        guard loop.inEventLoop else {
            loop.execute { [self] in close() }
            return
        }
        guard !closed else { return }
        closed = true
        if let pauseTimer { loop.cancelTimer(pauseTimer) }
        pauseTimer = nil
        if let registration { loop.deregister(registration) }
        registration = nil
        Glibc.close(fd)
    }

    /// Called by the loop when connections are waiting: accepts them all.
    public func readable() {
        while !closed {
            var address = SocketAddress()
            address.length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            let client = withUnsafeMutableBytes(of: &address.storage) { raw in
                accept4(fd, raw.baseAddress?.assumingMemoryBound(to: sockaddr.self), &address.length,
                        Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
            }
            if client >= 0 {
                hand(client, from: address)
                continue
            }
            switch errno {
            case EINTR, ECONNABORTED, EPROTO:
                continue
            case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                // Out of descriptors or memory: the backlog stays readable, so stop looking for a
                // while instead of spinning on it.
                pauseAccepting(for: .milliseconds(100))
                return
            default:
                return
            }
        }
    }

    /// Not watched: a listening socket is never written.
    public func writable() {}

    private func hand(_ client: Int32, from address: SocketAddress) {
        let target = connectionLoop?() ?? loop
        let options = self.options
        let accepted = self.accepted
        if target === loop {
            accepted(TCPConnection.accepted(fd: client, remoteAddress: address, on: target, options: options))
        } else {
            target.execute {
                accepted(TCPConnection.accepted(fd: client, remoteAddress: address, on: target, options: options))
            }
        }
    }

    private func pauseAccepting(for delay: Duration) {
        guard let registration, pauseTimer == nil else { return }
        loop.modify(registration, readable: false, writable: false)
        pauseTimer = loop.scheduleTimer(after: delay) { [weak self] in
            guard let self, !closed, let registration = self.registration else { return }
            pauseTimer = nil
            loop.modify(registration, readable: true, writable: false)
        }
    }
}
