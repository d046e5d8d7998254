#if canImport(Glibc)
import Glibc
#endif

/// Opening a non-blocking, close-on-exec socket bound to an address: what UDP channels and TCP
/// listeners share.
enum BoundSocket {
    /// A socket of `type` (SOCK_DGRAM, SOCK_STREAM) bound to `address`, and the address it really got
    /// (the port the kernel chose when 0 was asked for). The descriptor is closed if anything fails.
    /// - Parameters:
    ///   - reuseAddress: SO_REUSEADDR (not for ports that must be ours alone, such as RTP's).
    ///   - receiveBufferBytes: SO_RCVBUF to ask for.
    ///   - configure: more set-up after bind (a TCP listener's `listen`); throw to give up.
    static func open(_ type: __socket_type, bind address: SocketAddress, reuseAddress: Bool, receiveBufferBytes: Int? = nil,
                     configure: (Int32) throws(IOError) -> Void = { _ throws(IOError) in }) throws(IOError) -> (fd: Int32, local: SocketAddress) {
        let fd = socket(address.family, Int32(type.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system("socket") }
        if reuseAddress {
            var reuse: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        }
        if var size = receiveBufferBytes.map(Int32.init) {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        let bound = address.withSockAddr { Glibc.bind(fd, $0, $1) }
        guard bound == 0 else {
            let error = IOError(.system, "bind \(type == SOCK_DGRAM ? "UDP" : "TCP") \(address)", errno: errno)
            Glibc.close(fd)
            throw error
        }
        do {
            try configure(fd)
        } catch {
            Glibc.close(fd)
            throw error
        }
        var local = SocketAddress()
        local.length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        _ = withUnsafeMutableBytes(of: &local.storage) { raw in
            getsockname(fd, raw.baseAddress?.assumingMemoryBound(to: sockaddr.self), &local.length)
        }
        return (fd, local)
    }
}
