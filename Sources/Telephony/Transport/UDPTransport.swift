import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One UDP socket for SIP: its own receive thread (never the shared pool), datagrams delivered in
/// order through an AsyncStream, and `send` from any thread. The only code that touches SIP sockets.
public final class UDPTransport: Sendable {
    public struct Datagram: Sendable {
        public var bytes: [UInt8]
        public var host: String
        public var port: Int
    }

    public enum TransportError: Error, Sendable, CustomStringConvertible {
        case socket(String)
        case resolve(String)

        public var description: String {
            switch self {
            case .socket(let message): message
            case .resolve(let host): "cannot resolve host \(host)"
            }
        }
    }

    /// The address and port the socket is bound to (the real port when 0 was asked for).
    public let localHost: String
    public let localPort: Int
    /// Datagrams as they arrive, in order. Ends when the transport is closed.
    public let datagrams: AsyncStream<Datagram>
    private let fd: Int32
    private let state: State

    // @unchecked Sendable: `lock` guards `closed`, `resolved` and `handler`.
    private final class State: @unchecked Sendable {
        let lock = NSLock()
        var closed = false
        var resolved: [String: sockaddr_in] = [:]
        var handler: (@Sendable (Datagram) -> Void)?
    }

    /// Binds `host:port` (IPv4; port 0 picks a free one) and starts the receive thread.
    /// - Parameter exclusive: refuse a port another socket holds (RTP ports must be ours alone).
    public init(host: String, port: Int, exclusive: Bool = false, threadName: String = "campaignd-sip-udp") throws(TransportError) {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw .socket("cannot create a UDP socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            Glibc.close(fd)
            throw .socket("bind address \(host) is not an IPv4 address")
        }
        if !exclusive {
            var reuse: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        }
        // A burst of responses must wait in the kernel, not be dropped, while the receive thread is
        // off the CPU: ask for 4 MB (the kernel caps it at net.core.rmem_max).
        var receiveBuffer: Int32 = 4 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw .socket("cannot bind UDP \(host):\(port): \(reason)")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        self.localHost = host
        self.localPort = Int(UInt16(bigEndian: actual.sin_port))
        let state = State()
        self.state = state
        let (stream, continuation) = AsyncStream<Datagram>.makeStream(bufferingPolicy: .bufferingNewest(65536))
        self.datagrams = stream
        let thread = Thread {
            Self.receiveLoop(fd: fd, state: state, continuation: continuation)
        }
        thread.name = threadName
        thread.start()
    }

    /// The local IPv4 address the system would send from toward `host` (no packet is sent), or nil.
    public static func localAddress(toward host: String, port: Int = 5060) -> String? {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &remote.sin_addr) == 1 else { return nil }
        let connected = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        var local = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        inet_ntop(AF_INET, &local.sin_addr, &text, socklen_t(INET_ADDRSTRLEN))
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit {
        close()
    }

    /// Hands every datagram to `handler` on the receive thread instead of `datagrams` (nil: back to
    /// the stream). The handler must be quick and never block: it holds up the socket.
    public func setHandler(_ handler: (@Sendable (Datagram) -> Void)?) {
        state.lock.withLock { state.handler = handler }
    }

    /// Stops the receive thread (within 100 ms); it closes the socket on its way out.
    public func close() {
        state.lock.withLock { state.closed = true }
    }

    /// Sends one datagram to `host:port` (IPv4 literal or a name, resolved once and cached).
    public func send(_ bytes: [UInt8], to host: String, port: Int) throws(TransportError) {
        var address = try resolve(host)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let sent = bytes.withUnsafeBytes { buffer in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, buffer.baseAddress, buffer.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        guard sent == bytes.count else {
            throw .socket("cannot send to \(host):\(port): \(String(cString: strerror(errno)))")
        }
    }

    private func resolve(_ host: String) throws(TransportError) -> sockaddr_in {
        if let cached = state.lock.withLock({ state.resolved[host] }) { return cached }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        if inet_pton(AF_INET, host, &address.sin_addr) != 1 {
            var hints = addrinfo()
            hints.ai_family = AF_INET
            hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
            var result: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result, let found = first.pointee.ai_addr else {
                throw .resolve(host)
            }
            address = found.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
            freeaddrinfo(result)
        }
        state.lock.withLock { state.resolved[host] = address }
        return address
    }

    private static func receiveLoop(fd: Int32, state: State, continuation: AsyncStream<Datagram>.Continuation) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        // Most datagrams come from the same peer (the trunk): its address is formatted once.
        var lastAddress: in_addr_t = 0
        var lastHost = ""
        receiving: while !state.lock.withLock({ state.closed }) {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, 100)
            if ready <= 0 { continue }
            let handler = state.lock.withLock { state.handler }
            // Everything already queued is read before polling again: one poll per burst.
            while true {
                var source = sockaddr_in()
                var length = socklen_t(MemoryLayout<sockaddr_in>.size)
                let count = buffer.withUnsafeMutableBytes { raw in
                    withUnsafeMutablePointer(to: &source) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            recvfrom(fd, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT), $0, &length)
                        }
                    }
                }
                if count < 0 {
                    if errno == EINTR { continue }
                    if errno == EAGAIN || errno == EWOULDBLOCK { break }
                    break receiving
                }
                if source.sin_addr.s_addr != lastAddress || lastHost.isEmpty {
                    var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
                    inet_ntop(AF_INET, &source.sin_addr, &text, socklen_t(INET_ADDRSTRLEN))
                    lastHost = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                    lastAddress = source.sin_addr.s_addr
                }
                let datagram = Datagram(bytes: Array(buffer[0..<count]), host: lastHost, port: Int(UInt16(bigEndian: source.sin_port)))
                if let handler {
                    handler(datagram)
                } else {
                    continuation.yield(datagram)
                }
            }
        }
        Glibc.close(fd)
        continuation.finish()
    }
}
