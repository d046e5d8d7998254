import Foundation
import IO
#if canImport(Glibc)
import Glibc
#endif

/// The SIP sockets on one event loop: the UDP socket, and for trunks on TCP a listener on the same
/// port and one connection per destination (RFC 3261 §18), reused by every call and opened again
/// when it drops. Datagrams go to `handler`, messages framed from TCP streams to `streamHandler`,
/// both on that loop's thread; `send` works from any loop. The only code that touches SIP sockets.
public final class SIPTransport: @unchecked Sendable {
    // @unchecked Sendable: `channel`, `loop`, `listener` and the handlers never change after init;
    // `lock` guards `resolved` and `connections`.
    public let channel: UDPChannel
    private let loop: EventLoop
    private var listener: TCPListener?
    private let lock = NSLock()
    private var resolved: [SIPDestination: SocketAddress] = [:]
    private var connections: [SocketAddress: SIPStreamConnection] = [:]
    private let connectTimeout: Duration
    private let streamHandler: @Sendable (SIPMessage, SocketAddress) -> Void
    private let connectionLost: @Sendable (SIPDestination, IOError?) -> Void
    private let malformedStream: @Sendable () -> Void

    /// Binds `host:port` (port 0 picks a free one) on `loop`: UDP, and TCP on the same port when
    /// `listenTCP` (so that a peer can open a connection to our Contact).
    /// - Parameters:
    ///   - handler: each UDP datagram and its source.
    ///   - streamHandler: each message framed from a TCP connection and the connection's peer.
    ///   - connectionLost: a TCP connection failed to open or ended (with its error, nil when closed
    ///     cleanly); the destination is the peer's address on `.tcp`.
    public init(host: String, port: Int, on loop: EventLoop, listenTCP: Bool = false, connectTimeout: Duration = .seconds(8),
                handler: @escaping (_ bytes: UnsafeRawBufferPointer, _ source: SocketAddress) -> Void,
                streamHandler: @escaping @Sendable (SIPMessage, SocketAddress) -> Void = { _, _ in },
                connectionLost: @escaping @Sendable (SIPDestination, IOError?) -> Void = { _, _ in },
                malformedStream: @escaping @Sendable () -> Void = {}) throws(IOError) {
        // A burst of responses must wait in the kernel, not be dropped, while the loop is busy.
        var channel = try UDPChannel(bind: SocketAddress(host: host, port: port), on: loop, receiveBufferBytes: 4 << 20,
                                     handler: handler)
        var tcp: TCPListener?
        // The TCP listener takes the UDP socket's port. With port 0 that number may be held on TCP by
        // something else (any connection's local port): then another UDP port is tried, a few times.
        var attempts = 0
        let owner = WeakTransport()
        while listenTCP {
            do {
                tcp = try TCPListener(bind: channel.localAddress, on: loop) { connection in owner.transport?.accepted(connection) }
                break
            } catch {
                channel.close()
                attempts += 1
                guard port == 0, attempts < 16 else { throw error }
                channel = try UDPChannel(bind: SocketAddress(host: host, port: 0), on: loop, receiveBufferBytes: 4 << 20, handler: handler)
            }
        }
        self.channel = channel
        listener = tcp
        self.loop = loop
        self.connectTimeout = connectTimeout
        self.streamHandler = streamHandler
        self.connectionLost = connectionLost
        self.malformedStream = malformedStream
        owner.transport = self
    }

    /// The listener's way back to its transport, set once the transport exists (no cycle).
    private final class WeakTransport: @unchecked Sendable {
        // @unchecked Sendable: set once in init, before the loop can accept a connection.
        weak var transport: SIPTransport?
    }

    public var localAddress: SocketAddress { channel.localAddress }
    public var localPort: Int { channel.localAddress.port }

    /// Sends `message` to `destination` (an IP literal or a name, resolved once and cached): a
    /// datagram, or on TCP over the connection to that address, opened first if there is none.
    public func send(_ message: SIPMessage, to destination: SIPDestination) throws(IOError) {
        let address = try resolve(destination)
        switch destination.transport {
        case .udp:
            guard channel.send(message.serialized(), to: address) else {
                throw IOError(.system, "send to \(destination)", errno: errno)
            }
        case .tcp:
            send(stream: message.serialized(), to: address)
        }
    }

    /// TCP connections open or being opened now.
    public var connectionCount: Int { lock.withLock { connections.count } }

    /// Closes the sockets at once: bytes not yet written to a TCP connection are dropped.
    public func close() {
        channel.close()
        listener?.close()
        for connection in takeConnections() { loop.execute { connection.close() } }
    }

    /// Closes the sockets, letting each TCP connection first write what it holds (our last 200 to a
    /// BYE, our last ACK), for at most `timeout`.
    public func closeAfterFlushing(timeout: Duration = .seconds(1)) async {
        channel.close()
        listener?.close()
        let open = takeConnections()
        guard !open.isEmpty else { return }
        let loop = loop
        for connection in open { loop.execute { connection.close(afterFlushing: true) } }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let stillOpen = await withCheckedContinuation { continuation in
                loop.execute { continuation.resume(returning: open.contains { $0.isOpen }) }
            }
            if !stillOpen { return }
            try? await Task.sleep(for: .milliseconds(5))
        }
        for connection in open { loop.execute { connection.close() } }
    }

    private func takeConnections() -> [TCPConnection] {
        lock.withLock {
            let all = connections.values.compactMap { entry -> TCPConnection? in
                if case .open(let connection) = entry.state { return connection }
                return nil
            }
            connections.removeAll()
            return all
        }
    }

    // MARK: TCP

    private func send(stream bytes: [UInt8], to address: SocketAddress) {
        let action: (TCPConnection?, Bool) = lock.withLock {
            if let entry = connections[address] {
                switch entry.state {
                case .open(let connection): return (connection, false)
                case .connecting(var pending):
                    pending.append(bytes)
                    entry.state = .connecting(pending: pending)
                    return (nil, false)
                }
            }
            connections[address] = SIPStreamConnection(remote: address, state: .connecting(pending: [bytes]))
            return (nil, true)
        }
        if let connection = action.0 {
            if loop.inEventLoop { _ = connection.write(bytes) } else { connection.send(bytes) }
        } else if action.1 {
            if loop.inEventLoop { connect(to: address) } else { loop.execute { [self] in connect(to: address) } }
        }
    }

    /// On the loop: opens the connection, then writes what waited for it.
    private func connect(to address: SocketAddress) {
        TCPConnection.connect(to: address, on: loop, timeout: connectTimeout) { [self] result in
            switch result {
            case .success(let connection):
                let pending: [[UInt8]]? = lock.withLock {
                    guard let entry = connections[address], case .connecting(let pending) = entry.state else { return nil }
                    entry.state = .open(connection)
                    return pending
                }
                guard let pending, let entry = lock.withLock({ connections[address] }) else {
                    connection.close()  // the transport closed meanwhile
                    return
                }
                start(connection, entry: entry)
                for bytes in pending { _ = connection.write(bytes) }
            case .failure(let error):
                lock.withLock { _ = connections.removeValue(forKey: address) }
                reportLost(address, error)
            }
        }
    }

    /// On the loop: a peer connected to our listener. Its messages, and our responses and requests
    /// to its address, use this connection (§18.2.2).
    private func accepted(_ connection: TCPConnection) {
        let entry = SIPStreamConnection(remote: connection.remoteAddress, state: .open(connection))
        let replaced = lock.withLock { () -> SIPStreamConnection? in
            defer { connections[connection.remoteAddress] = entry }
            return connections[connection.remoteAddress]
        }
        if let replaced, case .open(let old) = replaced.state { old.close() }
        start(connection, entry: entry)
    }

    private func start(_ connection: TCPConnection, entry: SIPStreamConnection) {
        let address = entry.remote
        connection.start(entry.handlers(for: connection, message: streamHandler, malformed: malformedStream) { [weak self, weak entry] error in
            guard let self else { return }
            lock.withLock {
                if let entry, connections[address] === entry { connections[address] = nil }
            }
            reportLost(address, error)
        })
    }

    /// Tells the owner about a lost connection under every name a call may have sent to it by.
    private func reportLost(_ address: SocketAddress, _ error: IOError?) {
        let literal = SIPDestination(host: address.host, port: address.port, transport: .tcp)
        let named = lock.withLock { resolved.filter { $0.key.transport == .tcp && $0.value == address }.map(\.key) }
        for destination in Set(named + [literal]) { connectionLost(destination, error) }
    }

    private func resolve(_ destination: SIPDestination) throws(IOError) -> SocketAddress {
        if let cached = lock.withLock({ resolved[destination] }) { return cached }
        let address = try SocketAddress.resolve(host: destination.host, port: destination.port)
        lock.withLock { resolved[destination] = address }
        return address
    }

    /// The local address the system would send from toward `host` (an IPv4 or IPv6 literal; no
    /// packet is sent), or nil.
    public static func localAddress(toward host: String, port: Int = 5060) -> String? {
        guard let remote = try? SocketAddress(host: SIPURI.bareHost(host), port: port) else { return nil }
        let fd = socket(remote.family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        guard remote.withSockAddr({ Glibc.connect(fd, $0, $1) }) == 0 else { return nil }
        var local = sockaddr_in6()
        var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        let named = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { return nil }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        if remote.isIPv6 {
            inet_ntop(AF_INET6, &local.sin6_addr, &text, socklen_t(INET6_ADDRSTRLEN))
        } else {
            _ = withUnsafeMutablePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { inet_ntop(AF_INET, &$0.pointee.sin_addr, &text, socklen_t(INET6_ADDRSTRLEN)) }
            }
        }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
