import Foundation
import IO
import Testing
@testable import Telephony

/// `SIPTransport` over TCP against a real listening socket (IO's `TCPListener` as the far end):
/// one connection per destination, reused; a dropped one reported and opened again.
@Suite struct SIPTransportTCPTests {
    /// What the far end saw, from its loop's thread.
    final class FarEnd: @unchecked Sendable {
        // @unchecked Sendable: `lock` guards everything.
        let lock = NSLock()
        var connections: [TCPConnection] = []
        var messages: [SIPMessage] = []
        var parsers: [ObjectIdentifier: SIPMessageParser] = [:]

        func accepted(_ connection: TCPConnection) {
            lock.withLock { connections.append(connection) }
            connection.start(TCPConnection.Handlers(received: { [self] bytes in
                lock.withLock {
                    var parser = parsers[ObjectIdentifier(connection)] ?? SIPMessageParser()
                    parser.append(bytes)
                    while let message = try? parser.next() { messages.append(message) }
                    parsers[ObjectIdentifier(connection)] = parser
                }
            }))
        }

        var counts: (connections: Int, messages: Int) { lock.withLock { (connections.count, messages.count) } }
    }

    func until(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
    }

    @Test func messagesToOneDestinationShareOneConnectionAndADroppedOneIsOpenedAgain() async throws {
        let loops = try EventLoopGroup(threads: 2, name: "test-sip-tcp")
        defer { loops.shutdown() }
        let farEnd = FarEnd()
        let listener = try TCPListener(bind: SocketAddress(host: "127.0.0.1", port: 0), on: loops.loops[1]) { farEnd.accepted($0) }
        defer { listener.close() }
        let lost = LostLog()
        let transport = try SIPTransport(host: "127.0.0.1", port: 0, on: loops.loops[0], handler: { _, _ in },
                                         connectionLost: { destination, _ in lost.add(destination) })
        defer { transport.close() }
        let destination = SIPDestination(host: "127.0.0.1", port: listener.localAddress.port, transport: .tcp)

        // Three requests, sent before the connection is even open, from two threads: one connection, all framed.
        try transport.send(testRequest("OPTIONS", cseq: 1), to: destination)
        try transport.send(testRequest("OPTIONS", cseq: 2), to: destination)
        loops.loops[1].execute { try? transport.send(testRequest("OPTIONS", cseq: 3), to: destination) }
        try await until { farEnd.counts.messages == 3 }
        #expect(farEnd.counts.connections == 1)
        #expect(Set(farEnd.lock.withLock { farEnd.messages.compactMap { $0.cseq?.number } }) == [1, 2, 3])
        #expect(transport.connectionCount == 1)

        // The far end closes it: the owner hears of it, and the next request opens a new one.
        let first = try #require(farEnd.lock.withLock { farEnd.connections.first })
        loops.loops[1].execute { first.close() }
        try await until { !lost.destinations.isEmpty }
        #expect(lost.destinations == [destination])
        try transport.send(testRequest("OPTIONS", cseq: 4), to: destination)
        try await until { farEnd.counts.messages == 4 }
        #expect(farEnd.counts.connections == 2)
    }

    final class LostLog: @unchecked Sendable {
        // @unchecked Sendable: `lock` guards `all`.
        private let lock = NSLock()
        private var all: [SIPDestination] = []
        func add(_ destination: SIPDestination) { lock.withLock { all.append(destination) } }
        var destinations: [SIPDestination] { lock.withLock { all } }
    }
}
