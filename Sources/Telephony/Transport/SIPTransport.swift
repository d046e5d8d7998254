import Foundation
import IO
#if canImport(Glibc)
import Glibc
#endif

/// The SIP socket (UDP) on one event loop: datagrams go to `handler` on that loop's thread, and
/// `send` works from any loop. The only code that touches the SIP socket.
public final class SIPTransport: @unchecked Sendable {
    // @unchecked Sendable: `channel` never changes; `lock` guards `resolved`.
    public let channel: UDPChannel
    private let lock = NSLock()
    private var resolved: [SIPDestination: SocketAddress] = [:]

    /// Binds `host:port` (port 0 picks a free one) on `loop`.
    public init(host: String, port: Int, on loop: EventLoop,
                handler: @escaping (_ bytes: UnsafeRawBufferPointer, _ source: SocketAddress) -> Void) throws(IOError) {
        // A burst of responses must wait in the kernel, not be dropped, while the loop is busy.
        channel = try UDPChannel(bind: SocketAddress(host: host, port: port), on: loop, receiveBufferBytes: 4 << 20,
                                 handler: handler)
    }

    public var localAddress: SocketAddress { channel.localAddress }
    public var localPort: Int { channel.localAddress.port }

    /// Sends `message` to `destination` (an IP literal or a name, resolved once and cached).
    public func send(_ message: SIPMessage, to destination: SIPDestination) throws(IOError) {
        let address = try resolve(destination)
        guard channel.send(message.serialized(), to: address) else {
            throw IOError(.system, "send to \(destination)", errno: errno)
        }
    }

    public func close() {
        channel.close()
    }

    private func resolve(_ destination: SIPDestination) throws(IOError) -> SocketAddress {
        if let cached = lock.withLock({ resolved[destination] }) { return cached }
        let address = try SocketAddress.resolve(host: destination.host, port: destination.port)
        lock.withLock { resolved[destination] = address }
        return address
    }

    /// The local IPv4 address the system would send from toward `host` (no packet is sent), or nil.
    public static func localAddress(toward host: String, port: Int = 5060) -> String? {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
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
}
