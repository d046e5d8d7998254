#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 socket address, held as the `sockaddr` the kernel reads and writes, so that a
/// datagram's source costs no formatting until someone asks for its text.
public struct SocketAddress: Hashable, Sendable, CustomStringConvertible {
    /// Large enough for `sockaddr_in` and `sockaddr_in6`.
    var storage = sockaddr_in6()
    var length: socklen_t = 0

    init() {}

    /// An IP literal and a port (no name resolution).
    public init(host: String, port: Int) throws(IOError) {
        guard (0...65535).contains(port) else { throw IOError(.badAddress, "port \(port)") }
        var v4 = sockaddr_in()
        if inet_pton(AF_INET, host, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = in_port_t(UInt16(port).bigEndian)
            withUnsafeBytes(of: v4) { source in
                withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: source) }
            }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            return
        }
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        guard inet_pton(AF_INET6, bare, &storage.sin6_addr) == 1 else { throw IOError(.badAddress, host) }
        storage.sin6_family = sa_family_t(AF_INET6)
        storage.sin6_port = in_port_t(UInt16(port).bigEndian)
        length = socklen_t(MemoryLayout<sockaddr_in6>.size)
    }

    /// `host` as an IP literal, or else looked up with getaddrinfo (blocking: configuration and
    /// call set-up only, never per packet).
    public static func resolve(host: String, port: Int) throws(IOError) -> SocketAddress {
        if let literal = try? SocketAddress(host: host, port: port) { return literal }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else {
            throw IOError(.badAddress, "cannot resolve host \(host)")
        }
        defer { freeaddrinfo(result) }
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        // IPv4 first: the sockets campaignd opens by default are IPv4.
        var chosen: UnsafeMutablePointer<addrinfo>?
        while let entry = cursor {
            if entry.pointee.ai_family == AF_INET { chosen = entry; break }
            if chosen == nil { chosen = entry }
            cursor = entry.pointee.ai_next
        }
        guard let entry = chosen, let raw = entry.pointee.ai_addr else { throw IOError(.badAddress, "cannot resolve host \(host)") }
        var address = SocketAddress()
        address.length = min(entry.pointee.ai_addrlen, socklen_t(MemoryLayout<sockaddr_in6>.size))
        withUnsafeMutableBytes(of: &address.storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: raw, count: Int(address.length))) }
        address.port = port
        return address
    }

    public var family: Int32 { Int32(storage.sin6_family) }
    public var isIPv6: Bool { family == AF_INET6 }

    public var port: Int {
        get { Int(UInt16(bigEndian: storage.sin6_port)) }  // sin_port and sin6_port share their offset
        set { storage.sin6_port = in_port_t(UInt16(truncatingIfNeeded: newValue).bigEndian) }
    }

    /// The address as text: "192.0.2.1" or "2001:db8::1".
    public var host: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        if isIPv6 {
            var address = storage.sin6_addr
            inet_ntop(AF_INET6, &address, &text, socklen_t(text.count))
        } else {
            var v4 = withUnsafeBytes(of: storage) { $0.load(as: sockaddr_in.self) }
            inet_ntop(AF_INET, &v4.sin_addr, &text, socklen_t(text.count))
        }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// "host:port", with brackets around IPv6.
    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Same family, port and address (checked per RTP packet for symmetric RTP: kept cheap).
    public static func == (lhs: SocketAddress, rhs: SocketAddress) -> Bool {
        guard lhs.length == rhs.length, lhs.storage.sin6_port == rhs.storage.sin6_port,
              lhs.storage.sin6_family == rhs.storage.sin6_family else { return false }
        if lhs.storage.sin6_family == sa_family_t(AF_INET) {
            // sin_addr sits where sin6_flowinfo does: bytes 4-7.
            return lhs.storage.sin6_flowinfo == rhs.storage.sin6_flowinfo
        }
        return withUnsafeBytes(of: lhs.storage.sin6_addr) { left in
            withUnsafeBytes(of: rhs.storage.sin6_addr) { right in
                left.loadUnaligned(fromByteOffset: 0, as: UInt64.self) == right.loadUnaligned(fromByteOffset: 0, as: UInt64.self)
                    && left.loadUnaligned(fromByteOffset: 8, as: UInt64.self) == right.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            }
        } && lhs.storage.sin6_scope_id == rhs.storage.sin6_scope_id
    }

    public func hash(into hasher: inout Hasher) {
        withUnsafeBytes(of: storage) { hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: $0.prefix(Int(length)))) }
    }

    /// Calls `body` with the address as the kernel takes it.
    public func withSockAddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        withUnsafeBytes(of: storage) { raw in
            body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), length)
        }
    }
}
