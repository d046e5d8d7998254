import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// A UDP socket on an event loop: datagrams are read in batches (`recvmmsg`) on the loop's thread
/// into the loop's receive buffers and handed on without a copy; `send` works from any thread (the
/// kernel serialises `sendto` on one socket).
///
/// Two ways to read: with a `handler`, the socket is in the loop's epoll set and read as datagrams
/// arrive (SIP); without one it is *polled*: its owner calls `receive(_:)` when it wants what came
/// (RTP, read once per 20 ms media tick, so a thousand calls cost no wake-up per packet).
public final class UDPChannel: Selectable, @unchecked Sendable {
    // @unchecked Sendable: `fd`, `loop` and `localAddress` never change; `handler` (set at init or
    // by `watch`), `registration` and `closed` are touched only on the loop's thread.
    public typealias Handler = (_ bytes: UnsafeRawBufferPointer, _ source: SocketAddress) -> Void

    public let loop: EventLoop
    /// The address bound (with the real port when 0 was asked for).
    public let localAddress: SocketAddress
    private let fd: Int32
    private var handler: Handler?
    private let maxDatagram: Int
    private var registration: EventLoop.Registration?
    private var closed = false
    /// The peer `connect(to:)` fixed, if any.
    public private(set) var connectedPeer: SocketAddress?

    /// Binds `address` and starts reading on `loop`. Callable from any thread: the socket is
    /// registered on the loop at its next turn, and datagrams wait in the kernel until then.
    /// - Parameters:
    ///   - exclusive: refuse a port another socket holds (no SO_REUSEADDR; RTP ports are ours alone).
    ///   - receiveBufferBytes: SO_RCVBUF to ask for (bursts wait in the kernel, not dropped).
    ///   - maxDatagram: the largest datagram read whole (SIP: 65,535; RTP: 2,048).
    ///   - handler: called on the loop's thread for each datagram; the bytes are valid only during the
    ///     call. Nil: a polled channel, read only by `receive(_:)`.
    public init(bind address: SocketAddress, on loop: EventLoop, exclusive: Bool = false, receiveBufferBytes: Int? = nil,
                maxDatagram: Int = 65_535, handler: Handler?) throws(IOError) {
        let (fd, actual) = try BoundSocket.open(SOCK_DGRAM, bind: address, reuseAddress: !exclusive,
                                                receiveBufferBytes: receiveBufferBytes)
        self.fd = fd
        self.loop = loop
        self.localAddress = actual
        self.handler = handler
        self.maxDatagram = min(max(maxDatagram, 64), ReceiveBuffers.slotSize)
        guard handler != nil else { return }
        if loop.inEventLoop {
            try register()
        } else {
            loop.enqueue { [self] in try? register() }
        }
    }

    private func register() throws(IOError) {
        guard !closed else { return }
        registration = try loop.register(fd, readable: true, writable: false, handler: self)
    }

    /// Turns a polled channel into a watched one: from now on `handler` gets each datagram as it
    /// arrives (a bridged call's RTP, relayed at once instead of at the next media tick). On the loop.
    public func watch(_ handler: @escaping Handler) throws(IOError) {
        assert(loop.inEventLoop)
        guard !closed else { return }
        let wasWatched = self.handler != nil
        self.handler = handler
        if !wasWatched { try register() }
    }

    /// Sends one datagram; false (and nothing sent) when the kernel refused it: a full buffer or no route.
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer, to destination: SocketAddress) -> Bool {
        let sent = destination.withSockAddr { sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT), $0, $1) }
        return sent == bytes.count
    }

    @discardableResult
    public func send(_ bytes: [UInt8], to destination: SocketAddress) -> Bool {
        bytes.withUnsafeBytes { send($0, to: destination) }
    }

    /// Fixes the socket's peer (`connect(2)`): from then on the kernel keeps the route (`send` skips
    /// the lookup `sendto` makes per datagram) and drops datagrams from anyone else. On the loop.
    @discardableResult
    public func connect(to peer: SocketAddress) -> Bool {
        assert(loop.inEventLoop)
        guard !closed else { return false }
        let result = peer.withSockAddr { Glibc.connect(fd, $0, $1) }
        if result == 0 { connectedPeer = peer }
        return result == 0
    }

    /// Sends one datagram to the connected peer; false when the kernel refused it.
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer) -> Bool {
        Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT)) == bytes.count
    }

    /// Stops reading and closes the socket (on the loop; from elsewhere at its next turn).
    public func close() {
        guard loop.inEventLoop else {
            loop.enqueue { [self] in close() }
            return
        }
        guard !closed else { return }
        closed = true
        if let registration { loop.deregister(registration) }
        registration = nil
        Glibc.close(fd)
    }

    public var isClosed: Bool {
        assert(loop.inEventLoop)
        return closed
    }

    public func readable() {
        guard let handler else { return }
        if let peer = connectedPeer {
            // A connected socket hears only its peer (a bridged call's RTP, one packet per 20 ms):
            // one plain `recv`, with no source address to read. Level-triggered: another datagram
            // waiting makes the descriptor ready again at the next turn.
            let buffers = loop.receiveBuffers
            let length = buffers.receiveOne(fd: fd, slotSize: maxDatagram)
            if length >= 0 { handler(UnsafeRawBufferPointer(start: buffers.firstSlot, count: length), peer) }
            return
        }
        // Level-triggered: one batch per turn; what is left makes the descriptor ready again.
        _ = receive(handler)
    }

    /// The most datagrams one `receive(_:)` reads: fewer means the socket was emptied.
    public static let batchSize = ReceiveBuffers.batch

    /// Reads what has arrived (one `recvmmsg` batch) and hands each datagram to `body`; returns how
    /// many. On the loop's thread; for polled channels, the owner's way to read.
    @discardableResult
    public func receive(_ body: Handler) -> Int {
        assert(loop.inEventLoop)
        guard !closed else { return 0 }
        let buffers = loop.receiveBuffers
        let count = buffers.receive(fd: fd, slotSize: maxDatagram)
        for index in 0..<count {
            let (bytes, source) = buffers.datagram(index)
            body(bytes, source)
            if closed { return index + 1 }
        }
        return count
    }

    public func writable() {}
}

/// One loop's buffers for `recvmmsg`: a batch of datagram slots with their headers and source
/// addresses, allocated once and reused for every socket on the loop.
final class ReceiveBuffers {
    static let batch = 32
    static let slotSize = 65_536
    private let data: UnsafeMutableRawPointer
    private let headers: UnsafeMutablePointer<io_mmsghdr>
    private let vectors: UnsafeMutablePointer<iovec>
    private let addresses: UnsafeMutablePointer<sockaddr_in6>
    private var slotSize = 0

    init() {
        data = UnsafeMutableRawPointer.allocate(byteCount: Self.batch * Self.slotSize, alignment: 16)
        headers = .allocate(capacity: Self.batch)
        vectors = .allocate(capacity: Self.batch)
        addresses = .allocate(capacity: Self.batch)
        headers.initialize(repeating: io_mmsghdr(), count: Self.batch)
        vectors.initialize(repeating: iovec(), count: Self.batch)
        addresses.initialize(repeating: sockaddr_in6(), count: Self.batch)
    }

    deinit {
        data.deallocate()
        headers.deallocate()
        vectors.deallocate()
        addresses.deallocate()
    }

    /// Reads up to a batch of datagrams of at most `slotSize` bytes each; returns how many.
    func receive(fd: Int32, slotSize: Int) -> Int {
        self.slotSize = slotSize
        // Smaller slots for small datagrams (RTP) keep the batch in a few pages.
        let batch = min(Self.batch, Self.batch * Self.slotSize / slotSize)
        for index in 0..<batch {
            vectors[index].iov_base = data + index * slotSize
            vectors[index].iov_len = slotSize
            headers[index].msg_hdr = msghdr(
                msg_name: UnsafeMutableRawPointer(addresses + index), msg_namelen: socklen_t(MemoryLayout<sockaddr_in6>.size),
                msg_iov: vectors + index, msg_iovlen: 1, msg_control: nil, msg_controllen: 0, msg_flags: 0)
            headers[index].msg_len = 0
        }
        while true {
            let count = recvmmsg(fd, headers, UInt32(batch), Int32(MSG_DONTWAIT), nil)
            if count >= 0 { return Int(count) }
            if errno == EINTR { continue }
            return 0
        }
    }

    /// The first slot's bytes (where `receiveOne` reads).
    var firstSlot: UnsafeRawPointer { UnsafeRawPointer(data) }

    /// Reads one datagram of at most `slotSize` bytes (longer ones arrive cut) into the first slot;
    /// returns its length, or -1 when there was none (or an error, such as a connected socket's
    /// ICMP refusal, which the read clears).
    func receiveOne(fd: Int32, slotSize: Int) -> Int {
        while true {
            let count = recv(fd, data, slotSize, Int32(MSG_DONTWAIT))
            if count >= 0 { return count }
            if errno == EINTR { continue }
            return -1
        }
    }

    func datagram(_ index: Int) -> (UnsafeRawBufferPointer, SocketAddress) {
        var source = SocketAddress()
        source.storage = addresses[index]
        source.length = headers[index].msg_hdr.msg_namelen
        // A datagram longer than its slot arrives cut (MSG_TRUNC); it is handed on as read.
        let length = min(Int(headers[index].msg_len), slotSize)
        return (UnsafeRawBufferPointer(start: data + index * slotSize, count: length), source)
    }
}
