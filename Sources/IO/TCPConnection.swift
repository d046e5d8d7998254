import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// A TCP connection on an event loop: bytes read are handed to a callback on the loop's thread,
/// bytes written wait in an outbound buffer until the kernel takes them, and the owner is told when
/// that buffer grows past its high-water mark and when it has drained below its low-water mark.
///
/// Everything but `send(_:)` and `loop` is for the loop's thread only: the connection is created
/// there (by `connect` or a `TCPListener`), and its callbacks run there. From another thread, use
/// `send(_:)`, or `loop.execute { … }` around the call.
///
/// A connection stays registered on its loop (which keeps it alive) until it is closed: by
/// `close()`, by the peer (end of input, reset), or by a failed write. Whichever comes first,
/// `Handlers.closed` is called exactly once, and the handlers are then released.
public final class TCPConnection: Selectable, @unchecked Sendable {
    // @unchecked Sendable: `loop`, `fd`, `options` and `remoteAddress` never change. Everything else
    // (state, handlers, the outbound buffer, the registration and the connect timer) is confined to
    // the loop's thread: the loop is what serialises access to it.

    /// Limits of one connection's outbound buffer.
    public struct Options: Sendable {
        /// Above this many bytes waiting to be written, the connection says it is not writable.
        public var highWaterMark: Int
        /// Once the bytes waiting drop to this many or fewer, it says it is writable again.
        public var lowWaterMark: Int
        /// TCP_NODELAY: send small writes at once (requests and responses, not bulk streams).
        public var noDelay: Bool

        public init(highWaterMark: Int = 256 * 1024, lowWaterMark: Int = 64 * 1024, noDelay: Bool = true) {
            self.highWaterMark = max(1, highWaterMark)
            self.lowWaterMark = min(max(0, lowWaterMark), self.highWaterMark - 1)
            self.noDelay = noDelay
        }
    }

    /// What the owner is told, on the loop's thread.
    public struct Handlers {
        /// Bytes read, valid only during the call.
        public var received: (UnsafeRawBufferPointer) -> Void
        /// The peer has finished sending (it shut down its output). When nil, the end of input
        /// closes the connection once what was written has been sent; when set, the connection
        /// stays open for writing until the owner closes it or shuts down its output too.
        public var inputClosed: (() -> Void)?
        /// False once the outbound buffer holds more than the high-water mark; true again once it
        /// has drained to the low-water mark. Writes are still accepted while not writable.
        public var writabilityChanged: (Bool) -> Void
        /// The connection has ended: `nil` after `close()` or a clean end, the error after a reset
        /// or a failed read or write. Called once.
        public var closed: (IOError?) -> Void

        public init(received: @escaping (UnsafeRawBufferPointer) -> Void, inputClosed: (() -> Void)? = nil,
                    writabilityChanged: @escaping (Bool) -> Void = { _ in }, closed: @escaping (IOError?) -> Void = { _ in }) {
            self.received = received
            self.inputClosed = inputClosed
            self.writabilityChanged = writabilityChanged
            self.closed = closed
        }
    }

    private enum State {
        case connecting
        case open
        case closed
    }

    public let loop: EventLoop
    /// The peer's address.
    public let remoteAddress: SocketAddress
    private let fd: Int32
    private let options: Options
    private var state: State
    private var registration: EventLoop.Registration?
    private var handlers: Handlers?
    /// Set by `start`: before it, nothing is read (bytes wait in the kernel).
    private var started = false
    private var readingEnabled = true
    private var inputOpen = true
    private var outputOpen = true
    private var shutdownRequested = false
    private var closeRequested = false
    /// Why it closed before `start` was called, reported by `start`.
    private var closedBeforeStart: IOError??
    private var connectTimer: EventLoop.TimerID?
    private var connectCompletion: ((Result<TCPConnection, IOError>) -> Void)?
    /// The outbound buffer: chunks from `pendingHead` on, the first one sent up to `pendingOffset`.
    private var pending: [[UInt8]] = []
    private var pendingHead = 0
    private var pendingOffset = 0
    private var pendingBytesCount = 0
    private var aboveLowWater = false  // true from crossing the high-water mark until drained to the low one

    private init(fd: Int32, remoteAddress: SocketAddress, loop: EventLoop, options: Options, state: State) {
        self.fd = fd
        self.remoteAddress = remoteAddress
        self.loop = loop
        self.options = options
        self.state = state
    }

    /// Wraps a connected socket (from `accept4`) and registers it on `loop`, watching nothing until
    /// `start`. On the loop's thread only.
    static func accepted(fd: Int32, remoteAddress: SocketAddress, on loop: EventLoop, options: Options) -> TCPConnection {
        let connection = TCPConnection(fd: fd, remoteAddress: remoteAddress, loop: loop, options: options, state: .open)
        connection.configureOpenSocket()
        do {
            connection.registration = try loop.register(fd, readable: false, writable: false, handler: connection)
        } catch {
            connection.finish(error)
        }
        return connection
    }

    // MARK: Connecting

    /// Connects to `address` without blocking; `completion` is called on the loop's thread (never
    /// before this returns) with the open connection, or with the failure: `.timedOut` when
    /// `timeout` passes first on the loop's clock, `.system` with ECONNREFUSED and the like.
    /// On the loop's thread only; the connection reads nothing until `start`.
    public static func connect(to address: SocketAddress, on loop: EventLoop, timeout: Duration, options: Options = Options(),
                               completion: @escaping (Result<TCPConnection, IOError>) -> Void) {
        assert(loop.inEventLoop, "connections are made on their loop")
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            let error = IOError.system("socket")
            loop.enqueue { completion(.failure(error)) }
            return
        }
        let connection = TCPConnection(fd: fd, remoteAddress: address, loop: loop, options: options, state: .connecting)
        connection.connectCompletion = completion
        var result: Int32
        repeat {
            result = address.withSockAddr { Glibc.connect(fd, $0, $1) }
        } while result != 0 && errno == EINTR
        if result == 0 {
            loop.enqueue { connection.connected() }
            return
        }
        guard errno == EINPROGRESS else {
            let error = IOError(.system, "connect \(address)", errno: errno)
            loop.enqueue { connection.finish(error) }
            return
        }
        do {
            connection.registration = try loop.register(fd, readable: false, writable: true, handler: connection)
        } catch {
            loop.enqueue { connection.finish(error) }
            return
        }
        connection.connectTimer = loop.scheduleTimer(after: timeout) { [weak connection] in
            guard let connection, connection.state == .connecting else { return }
            connection.connectTimer = nil
            connection.finish(IOError(.timedOut, "connect \(address)"))
        }
    }

    /// `connect(to:on:timeout:options:completion:)` for an async caller, from any thread. The
    /// connection reads nothing until `start`, so no bytes are missed while the caller gets to it.
    public static func connect(to address: SocketAddress, on loop: EventLoop, timeout: Duration,
                               options: Options = Options()) async throws(IOError) -> TCPConnection {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<TCPConnection, IOError>, Never>) in
            loop.execute {
                connect(to: address, on: loop, timeout: timeout, options: options) { continuation.resume(returning: $0) }
            }
        }
        return try result.get()
    }

    private func connected() {
        guard state == .connecting else { return }
        state = .open
        if let connectTimer { loop.cancelTimer(connectTimer) }
        connectTimer = nil
        configureOpenSocket()
        if registration == nil {
            do {
                registration = try loop.register(fd, readable: false, writable: false, handler: self)
            } catch {
                finish(error)
                return
            }
        }
        updateInterest()
        let completion = connectCompletion
        connectCompletion = nil
        completion?(.success(self))
        if state == .open { flush() }
    }

    private func finishConnecting() {
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 else {
            finish(IOError.system("getsockopt SO_ERROR"))
            return
        }
        if error == EINPROGRESS || error == EALREADY { return }
        guard error == 0 else {
            finish(IOError(.system, "connect \(remoteAddress)", errno: error))
            return
        }
        connected()
    }

    private func configureOpenSocket() {
        if options.noDelay {
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    // MARK: Using the connection (on the loop's thread)

    /// Starts reading and telling `handlers` what happens. Call once; if the connection has already
    /// ended, `handlers.closed` is called at the loop's next turn.
    public func start(_ handlers: Handlers) {
        assert(loop.inEventLoop, "connections are used on their loop")
        guard !started else { return }
        started = true
        if state == .closed {
            let reason = closedBeforeStart ?? nil
            loop.enqueue { handlers.closed(reason) }
            return
        }
        self.handlers = handlers
        updateInterest()
    }

    /// Whether the connection is open (connected and not yet closed).
    public var isOpen: Bool {
        assert(loop.inEventLoop)
        return state == .open
    }

    /// False while the outbound buffer is above the high-water mark (until it drains to the low one).
    public var isWritable: Bool {
        assert(loop.inEventLoop)
        return !aboveLowWater
    }

    /// Bytes written and not yet taken by the kernel.
    public var pendingBytes: Int {
        assert(loop.inEventLoop)
        return pendingBytesCount
    }

    /// The local address, while the socket is open.
    public var localAddress: SocketAddress? {
        assert(loop.inEventLoop)
        guard state != .closed else { return nil }
        var address = SocketAddress()
        address.length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        let result = withUnsafeMutableBytes(of: &address.storage) { raw in
            getsockname(fd, raw.baseAddress?.assumingMemoryBound(to: sockaddr.self), &address.length)
        }
        return result == 0 ? address : nil
    }

    /// Stops or resumes reading (bytes wait in the kernel meanwhile, which slows the peer down).
    public func setReading(_ enabled: Bool) {
        assert(loop.inEventLoop)
        guard readingEnabled != enabled else { return }
        readingEnabled = enabled
        updateInterest()
    }

    /// Queues `bytes` to be sent, sending what the kernel takes at once. False (nothing queued)
    /// when the connection is closed or its output shut down. On the loop's thread only.
    @discardableResult
    public func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        assert(loop.inEventLoop, "writes happen on the connection's loop; use send(_:) from elsewhere")
        guard state != .closed, !shutdownRequested, !closeRequested else { return false }
        guard !bytes.isEmpty else { return true }
        var sent = 0
        if state == .open, pendingBytesCount == 0 {
            switch sendSome(bytes) {
            case .sent(let count): sent = count
            case .wouldBlock: break
            case .failed(let error):
                finish(error)
                return false
            }
        }
        if sent < bytes.count {
            enqueuePending(Array(UnsafeRawBufferPointer(rebasing: bytes[sent...])))
        }
        return true
    }

    /// Queues `bytes` to be sent (see `write(_: UnsafeRawBufferPointer)`). On the loop's thread only.
    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
        assert(loop.inEventLoop, "writes happen on the connection's loop; use send(_:) from elsewhere")
        guard state != .closed, !shutdownRequested, !closeRequested else { return false }
        guard !bytes.isEmpty else { return true }
        if state == .open, pendingBytesCount == 0 {
            let outcome = bytes.withUnsafeBytes { sendSome($0) }
            switch outcome {
            case .sent(let count):
                if count < bytes.count { enqueuePending(Array(bytes[count...])) }
            case .wouldBlock:
                enqueuePending(bytes)
            case .failed(let error):
                finish(error)
                return false
            }
            return true
        }
        enqueuePending(bytes)
        return true
    }

    /// Writes `bytes` from any thread: they are handed to the loop and written at its next turn
    /// (dropped if the connection has closed by then).
    public func send(_ bytes: [UInt8]) {
        loop.execute { [self] in write(bytes) }
    }

    /// Half-closes: sends FIN once what was written has gone (`shutdown(SHUT_WR)`); reading goes
    /// on. When the peer has finished sending too, the connection closes.
    public func shutdownOutput() {
        assert(loop.inEventLoop)
        guard state != .closed, !shutdownRequested else { return }
        shutdownRequested = true
        if state == .open, pendingBytesCount == 0 { shutdownNow() }
    }

    /// Closes the connection: at once (bytes not yet sent are dropped), or once everything written
    /// has been sent. `Handlers.closed` gets nil.
    public func close(afterFlushing: Bool = false) {
        assert(loop.inEventLoop)
        guard state != .closed else { return }
        if afterFlushing, pendingBytesCount > 0 || state == .connecting {
            closeRequested = true
            setReading(false)
            return
        }
        finish(nil)
    }

    // MARK: Selectable

    /// Called by the loop when the socket can be read (or has failed, or the connect has finished).
    public func readable() {
        switch state {
        case .connecting:
            finishConnecting()
            return
        case .closed:
            return
        case .open:
            break
        }
        guard started, readingEnabled, inputOpen, !closeRequested else {
            // Not reading, so this is a hang-up or an error (epoll reports those whatever we asked).
            checkHangUp()
            return
        }
        let buffer = loop.streamBuffer
        // Level-triggered: one read per turn keeps the loop fair; what is left makes the socket ready again.
        let count = recv(fd, buffer.base, buffer.count, 0)
        if count > 0 {
            handlers?.received(UnsafeRawBufferPointer(start: buffer.base, count: count))
        } else if count == 0 {
            inputEnded()
        } else if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
            finish(IOError(.system, "read", errno: errno))
        }
    }

    /// Called by the loop when the socket can take more bytes (or the connect has finished).
    public func writable() {
        switch state {
        case .connecting: finishConnecting()
        case .open: flush()
        case .closed: break
        }
    }

    // MARK: Internals

    private enum SendOutcome {
        case sent(Int)
        case wouldBlock
        case failed(IOError)
    }

    private func sendSome(_ bytes: UnsafeRawBufferPointer) -> SendOutcome {
        while true {
            let count = Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if count >= 0 { return .sent(count) }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: return .failed(IOError(.system, "write", errno: errno))
            }
        }
    }

    private func enqueuePending(_ chunk: [UInt8]) {
        pending.append(chunk)
        pendingBytesCount += chunk.count
        if !aboveLowWater, pendingBytesCount > options.highWaterMark {
            aboveLowWater = true
            handlers?.writabilityChanged(false)
        }
        updateInterest()
    }

    /// Sends what the kernel takes from the outbound buffer.
    private func flush() {
        while pendingHead < pending.count {
            let outcome = pending[pendingHead].withUnsafeBytes { chunk in
                sendSome(UnsafeRawBufferPointer(rebasing: chunk[pendingOffset...]))
            }
            switch outcome {
            case .sent(let count):
                pendingBytesCount -= count
                pendingOffset += count
                if pendingOffset == pending[pendingHead].count {
                    pendingHead += 1
                    pendingOffset = 0
                }
                continue
            case .wouldBlock:
                break
            case .failed(let error):
                finish(error)
                return
            }
            break
        }
        if pendingHead == pending.count {
            pending.removeAll(keepingCapacity: true)
            pendingHead = 0
        } else if pendingHead >= 64 {
            pending.removeFirst(pendingHead)
            pendingHead = 0
        }
        if aboveLowWater, pendingBytesCount <= options.lowWaterMark {
            aboveLowWater = false
            handlers?.writabilityChanged(true)
            // The owner may have written more, or closed, in the callback.
            guard state == .open else { return }
        }
        if pendingBytesCount == 0 {
            if closeRequested {
                finish(nil)
                return
            }
            if shutdownRequested, outputOpen { shutdownNow() }
        }
        if state == .open { updateInterest() }
    }

    private func shutdownNow() {
        guard outputOpen else { return }
        outputOpen = false
        if Glibc.shutdown(fd, Int32(SHUT_WR)) != 0, errno != ENOTCONN {
            finish(IOError(.system, "shutdown", errno: errno))
            return
        }
        if !inputOpen { finish(nil) }
    }

    private func inputEnded() {
        inputOpen = false
        updateInterest()
        guard let inputClosed = handlers?.inputClosed else {
            close(afterFlushing: true)
            return
        }
        inputClosed()
        if state == .open, !outputOpen { finish(nil) }
    }

    /// Called when epoll reports the socket while we are not reading: a reset or a full hang-up ends
    /// the connection; anything else waits for reading to resume.
    private func checkHangUp() {
        var poller = pollfd(fd: fd, events: 0, revents: 0)
        guard poll(&poller, 1, 0) > 0 else { return }
        if poller.revents & Int16(POLLERR) != 0 {
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            finish(IOError(.system, "read", errno: error == 0 ? ECONNRESET : error))
        } else if poller.revents & Int16(POLLHUP) != 0 {
            // Both directions are down: nothing more can be read or written.
            finish(pendingBytesCount > 0 ? IOError(.system, "write", errno: EPIPE) : nil)
        }
    }

    private func updateInterest() {
        guard state != .closed, let registration else { return }
        let readable = state == .open && started && readingEnabled && inputOpen && !closeRequested
        let writable = state == .connecting || pendingBytesCount > 0
        loop.modify(registration, readable: readable, writable: writable)
    }

    /// Ends the connection (once): releases the descriptor and the handlers, tells the owner.
    private func finish(_ error: IOError?) {
        guard state != .closed else { return }
        let wasConnecting = state == .connecting
        state = .closed
        if let connectTimer { loop.cancelTimer(connectTimer) }
        connectTimer = nil
        if let registration { loop.deregister(registration) }
        registration = nil
        Glibc.close(fd)
        pending.removeAll()
        pendingHead = 0
        pendingOffset = 0
        pendingBytesCount = 0
        if wasConnecting {
            let completion = connectCompletion
            connectCompletion = nil
            completion?(.failure(error ?? IOError(.closed, "connect \(remoteAddress)")))
            return
        }
        guard started else {
            closedBeforeStart = .some(error)
            return
        }
        let handlers = self.handlers
        self.handlers = nil
        handlers?.closed(error)
    }
}

/// One loop's buffer for TCP reads: connections on a loop read one at a time, on its thread, and
/// hand the bytes on before the next read.
final class StreamReadBuffer {
    let count = 65_536
    let base: UnsafeMutableRawPointer

    init() {
        base = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 16)
    }

    deinit {
        base.deallocate()
    }
}
