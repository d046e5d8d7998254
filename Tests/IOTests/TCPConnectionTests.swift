import Foundation
import IO
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct TCPConnectionTests {
    /// A listener whose connections echo what they read, and record it in `probe`.
    func echoListener(host: String, on loop: EventLoop, probe: TCPProbe) throws -> TCPListener {
        try TCPListener(bind: SocketAddress(host: host, port: 0), on: loop) { connection in
            connection.start(probe.handlers(onReceive: { bytes in connection.write(bytes) }))
        }
    }

    func echo(host: String) async throws {
        let loop = try EventLoop(name: "test-tcp-echo")
        defer { loop.shutdown() }
        let server = TCPProbe()
        let listener = try echoListener(host: host, on: loop, probe: server)
        defer { listener.close() }
        #expect(listener.localAddress.port != 0)
        let connection = try await TCPConnection.connect(to: listener.localAddress, on: loop, timeout: .seconds(5))
        let client = TCPProbe()
        let message = Array("hello over TCP, ".utf8) + (0..<5000).map { UInt8(truncatingIfNeeded: $0) }
        let local = await loop.submit {
            connection.start(client.handlers())
            connection.write(Array(message[..<10]))
            connection.write(Array(message[10...]))
            return connection.localAddress
        }
        #expect(await client.wait { $0.received.count >= message.count })
        #expect(client.received == message)
        #expect(server.received == message)
        #expect(local?.isIPv6 == listener.localAddress.isIPv6)
        // Closing our side ends the server's connection cleanly (it reads the end of input).
        await loop.submit { connection.close() }
        #expect(await server.wait { $0.closed != nil })
        #expect(server.closed == .some(nil))
        #expect(client.closed == .some(nil))
    }

    @Test func echoesBytesInOrderOverIPv4() async throws {
        try await echo(host: "127.0.0.1")
    }

    @Test func echoesBytesInOrderOverIPv6() async throws {
        try await echo(host: "::1")
    }

    /// The server writes 8 MB while it may (as a well-behaved producer does); the client reads
    /// nothing until the server has been told to stop, then everything.
    @Test func backPressureStopsAndResumesTheWriterAndEveryByteArrivesInOrder() async throws {
        let loop = try EventLoop(name: "test-tcp-pressure")
        defer { loop.shutdown() }
        let total = 8 << 20
        let pattern: @Sendable (Int) -> UInt8 = { UInt8(truncatingIfNeeded: $0 % 251) }
        let server = TCPProbe()
        let listener = try TCPListener(bind: SocketAddress(host: "127.0.0.1", port: 0), on: loop,
                                       options: .init(highWaterMark: 512 * 1024, lowWaterMark: 128 * 1024)) { connection in
            var written = 0
            func produce() {
                while written < total, connection.isWritable {
                    let count = min(64 * 1024, total - written)
                    connection.write((written..<(written + count)).map(pattern))
                    written += count
                }
                if written == total { connection.close(afterFlushing: true) }
            }
            connection.start(server.handlers(onWritable: { writable in if writable { produce() } }))
            produce()
        }
        defer { listener.close() }
        let connection = try await TCPConnection.connect(to: listener.localAddress, on: loop, timeout: .seconds(5))
        let client = TCPProbe()
        await loop.submit {
            connection.start(client.handlers())
            connection.setReading(false)
        }
        // The slow reader: nothing read until the writer has hit its high-water mark.
        #expect(await server.wait { $0.writabilityChanges.first == false })
        #expect(client.received.isEmpty)
        await loop.submit { connection.setReading(true) }
        #expect(await client.wait(timeout: .seconds(30)) { $0.closed != nil })
        #expect(client.closed == .some(nil))
        let received = client.received
        #expect(received.count == total)
        #expect(received.indices.allSatisfy { received[$0] == pattern($0) })
        let changes = server.writabilityChanges
        #expect(changes.starts(with: [false, true]))
        // Alternating: never told the same thing twice in a row.
        #expect(zip(changes, changes.dropFirst()).allSatisfy { $0 != $1 })
        #expect(server.closed == .some(nil))
    }

    @Test func aPeerResetIsReportedOnceAsAnError() async throws {
        let loop = try EventLoop(name: "test-tcp-reset")
        defer { loop.shutdown() }
        let server = TCPProbe()
        let accepted = Box<Bool>()
        let listener = try TCPListener(bind: SocketAddress(host: "127.0.0.1", port: 0), on: loop) { connection in
            connection.start(server.handlers())
            accepted.set(true)
        }
        defer { listener.close() }
        // The peer is a plain blocking socket: connect, wait to be accepted, then close with SO_LINGER 0 (RST).
        let peer = try RawSocket.connect(to: listener.localAddress)
        #expect(await accepted.wait() == true)
        peer.reset()
        #expect(await server.wait { $0.closed != nil })
        let error = try #require(server.closed ?? nil)
        #expect(error.code == .system)
        #expect(error.errno == ECONNRESET)
        // Reported once, and the connection is closed for good.
        await loop.submit {}
        #expect(server.closeCount == 1)
    }

    @Test func aRefusedConnectFailsWithECONNREFUSED() async throws {
        let loop = try EventLoop(name: "test-tcp-refused")
        defer { loop.shutdown() }
        // A port that was just free: bound by a listener that is then closed.
        let listener = try TCPListener(bind: SocketAddress(host: "127.0.0.1", port: 0), on: loop) { $0.close() }
        let address = listener.localAddress
        listener.close()
        await loop.submit {}
        await #expect(throws: IOError(.system, "connect \(address)", errno: ECONNREFUSED)) {
            _ = try await TCPConnection.connect(to: address, on: loop, timeout: .seconds(5))
        }
    }

    /// A listener with a full backlog drops new SYNs, so the connect stays pending; the timeout is
    /// on the loop's manual clock.
    @Test func aConnectThatNeverCompletesTimesOutOnTheLoopClock() async throws {
        let clock = ManualLoopClock()
        let loop = try EventLoop(name: "test-tcp-timeout", clock: clock)
        defer { loop.shutdown() }
        let backlogFull = try RawSocket.listen(on: SocketAddress(host: "127.0.0.1", port: 0), backlog: 0)
        // Backlog 0 holds one completed connection; nobody accepts it.
        let first = try await TCPConnection.connect(to: backlogFull.address, on: loop, timeout: .seconds(5))
        let outcome = Box<Result<TCPConnection, IOError>>()
        await loop.submit {
            TCPConnection.connect(to: backlogFull.address, on: loop, timeout: .seconds(2)) { outcome.set($0) }
        }
        await clock.advance(by: .milliseconds(1999))
        #expect(outcome.value == nil)
        await clock.advance(by: .milliseconds(1))
        let result = try #require(await outcome.wait())
        #expect(throws: IOError(.timedOut, "connect \(backlogFull.address)")) { try result.get() }
        await loop.submit { first.close() }
    }

    @Test func aHalfCloseDeliversTheLastBytesThenTheEndAndTheOtherDirectionStaysOpen() async throws {
        let loop = try EventLoop(name: "test-tcp-eof")
        defer { loop.shutdown() }
        let server = TCPProbe()
        let listener = try TCPListener(bind: SocketAddress(host: "127.0.0.1", port: 0), on: loop) { connection in
            connection.start(server.handlers())
            connection.write(Array("last words".utf8))
            connection.shutdownOutput()
        }
        defer { listener.close() }
        let connection = try await TCPConnection.connect(to: listener.localAddress, on: loop, timeout: .seconds(5))
        let client = TCPProbe()
        await loop.submit {
            connection.start(client.handlers(onInputClosed: {
                // Our direction still works after the server's FIN.
                connection.write(Array("reply".utf8))
                connection.shutdownOutput()
            }))
        }
        #expect(await client.wait { $0.closed != nil })
        #expect(String(decoding: client.received, as: UTF8.self) == "last words")
        #expect(client.sawInputClosed)
        #expect(client.closed == .some(nil))
        // The server read the reply after its own shutdown, then the end of input: a clean close.
        #expect(await server.wait { $0.closed != nil })
        #expect(String(decoding: server.received, as: UTF8.self) == "reply")
        #expect(server.closed == .some(nil))
        await loop.submit {}
        #expect(client.closeCount == 1 && server.closeCount == 1)
    }

    @Test func acceptedConnectionsGoToTheLoopTheListenerIsTold() async throws {
        let group = try EventLoopGroup(threads: 2, name: "test-tcp-group")
        defer { group.shutdown() }
        let accepting = group.loops[0]
        let journal = EventLoopTests.Journal()
        let listener = try TCPListener(bind: SocketAddress(host: "127.0.0.1", port: 0), on: accepting,
                                       connectionLoop: { group.loops[1] }) { connection in
            // Called on the connection's own loop.
            journal.add("\(connection.loop.name) on-loop=\(connection.loop.inEventLoop)")
            connection.start(TCPConnection.Handlers(received: { bytes in connection.write(bytes) }))
        }
        defer { listener.close() }
        let connection = try await TCPConnection.connect(to: listener.localAddress, on: accepting, timeout: .seconds(5))
        let client = TCPProbe()
        await accepting.submit {
            connection.start(client.handlers())
            connection.write(Array("ping".utf8))
        }
        #expect(await client.wait { $0.received.count == 4 })
        #expect(journal.all == ["test-tcp-group-1 on-loop=true"])
        await accepting.submit { connection.close() }
    }

    @Test func writesFromAnotherThreadGoThroughTheLoop() async throws {
        let loop = try EventLoop(name: "test-tcp-send")
        defer { loop.shutdown() }
        let server = TCPProbe()
        let listener = try echoListener(host: "127.0.0.1", on: loop, probe: server)
        defer { listener.close() }
        let connection = try await TCPConnection.connect(to: listener.localAddress, on: loop, timeout: .seconds(5))
        let client = TCPProbe()
        await loop.submit { connection.start(client.handlers()) }
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask { for _ in 0..<100 { connection.send(Array(repeating: 7, count: 100)) } }
            }
        }
        #expect(await server.wait { $0.received.count == 40_000 })
        #expect(server.received.allSatisfy { $0 == 7 })
        await loop.submit { connection.close() }
        // A write after close is refused, not queued.
        let accepted = await loop.submit { connection.write([1]) }
        #expect(!accepted)
        #expect(client.closed == .some(nil))
    }
}

/// A plain blocking socket, written against Glibc directly: an independent peer for the channel tests.
struct RawSocket: ~Copyable {
    let fd: Int32
    let address: SocketAddress

    struct Failure: Error {
        var call: String
        var errno: Int32
    }

    static func connect(to address: SocketAddress) throws -> RawSocket {
        // Close-on-exec: a process another test spawns meanwhile must not inherit it (a reset would
        // then not reach the peer while the child holds the socket open).
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var storage = sockaddr_in6()
        var length = socklen_t(0)
        try fill(address, &storage, &length)
        let result = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) }
        }
        guard result == 0 else {
            Glibc.close(fd)
            throw Failure(call: "connect", errno: errno)
        }
        return RawSocket(fd: fd, address: address)
    }

    static func listen(on address: SocketAddress, backlog: Int32) throws -> RawSocket {
        // Close-on-exec: a process another test spawns meanwhile must not inherit it (a reset would
        // then not reach the peer while the child holds the socket open).
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var storage = sockaddr_in6()
        var length = socklen_t(0)
        try fill(address, &storage, &length)
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, length) }
        }
        guard bound == 0, Glibc.listen(fd, backlog) == 0 else {
            Glibc.close(fd)
            throw Failure(call: "bind/listen", errno: errno)
        }
        var actual = sockaddr_in()
        var actualLength = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) }
        }
        return RawSocket(fd: fd, address: try SocketAddress(host: address.host, port: Int(UInt16(bigEndian: actual.sin_port))))
    }

    private static func fill(_ address: SocketAddress, _ storage: inout sockaddr_in6, _ length: inout socklen_t) throws {
        if address.isIPv6 {
            storage.sin6_family = sa_family_t(AF_INET6)
            storage.sin6_port = in_port_t(UInt16(address.port).bigEndian)
            inet_pton(AF_INET6, address.host, &storage.sin6_addr)
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        } else {
            var v4 = sockaddr_in()
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = in_port_t(UInt16(address.port).bigEndian)
            inet_pton(AF_INET, address.host, &v4.sin_addr)
            withUnsafeBytes(of: v4) { source in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: source) } }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
        }
    }

    func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Closes with SO_LINGER 0: the peer gets a reset, not a FIN.
    consuming func reset() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        Glibc.close(fd)
        discard self
    }

    deinit {
        Glibc.close(fd)
    }
}
