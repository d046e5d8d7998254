import Foundation
import IO
import Testing

@Suite struct UDPChannelTests {
    struct Received: Sendable, Equatable {
        var bytes: [UInt8]
        var source: SocketAddress
    }

    func echo(host: String) async throws {
        let loop = try EventLoop(name: "test-udp")
        defer { loop.shutdown() }
        let (stream, continuation) = AsyncStream<Received>.makeStream()
        let server = try UDPChannel(bind: SocketAddress(host: host, port: 0), on: loop) { bytes, source in
            continuation.yield(Received(bytes: Array(bytes), source: source))
        }
        let client = try UDPChannel(bind: SocketAddress(host: host, port: 0), on: loop) { _, _ in }
        #expect(server.localAddress.port != 0)
        // A burst larger than one recvmmsg batch, in order, whole.
        for index in 0..<100 {
            #expect(client.send(Array(repeating: UInt8(index), count: 1 + index * 10), to: server.localAddress))
        }
        var got: [Received] = []
        for await datagram in stream {
            got.append(datagram)
            if got.count == 100 { break }
        }
        #expect(got.map(\.bytes.count) == (0..<100).map { 1 + $0 * 10 })
        #expect(got.allSatisfy { $0.source == client.localAddress })
        #expect(got[0].source.port == client.localAddress.port)
        server.close()
        client.close()
    }

    @Test func datagramsArriveInOrderWithTheirSourceOverIPv4() async throws {
        try await echo(host: "127.0.0.1")
    }

    @Test func datagramsArriveInOrderWithTheirSourceOverIPv6() async throws {
        try await echo(host: "::1")
    }

    /// A bridged call's RTP socket: polled, then connected to the far end it latched on and watched.
    @Test func aConnectedWatchedChannelHearsOnlyItsPeerInOrder() async throws {
        let loop = try EventLoop(name: "test-udp-connected")
        defer { loop.shutdown() }
        let (stream, continuation) = AsyncStream<Received>.makeStream()
        let channel = try UDPChannel(bind: SocketAddress(host: "127.0.0.1", port: 0), on: loop, maxDatagram: 2048, handler: nil)
        let peer = try UDPChannel(bind: SocketAddress(host: "127.0.0.1", port: 0), on: loop) { _, _ in }
        let stranger = try UDPChannel(bind: SocketAddress(host: "127.0.0.1", port: 0), on: loop) { _, _ in }
        let connected = await loop.submit { [channel, peer] in
            let connected = channel.connect(to: peer.localAddress)
            try? channel.watch { bytes, source in continuation.yield(Received(bytes: Array(bytes), source: source)) }
            return connected
        }
        #expect(connected)
        #expect(stranger.send([0xEE], to: channel.localAddress))
        // More than one datagram waits at a time: each is read, in order; one over 2,048 bytes arrives cut.
        for index in 0..<60 {
            #expect(peer.send(Array(repeating: UInt8(index), count: index == 59 ? 3000 : 172), to: channel.localAddress))
        }
        var got: [Received] = []
        for await datagram in stream {
            got.append(datagram)
            if got.count == 60 { break }
        }
        #expect(got.map { $0.bytes.first } == (0..<60).map { UInt8($0) })
        #expect(got.dropLast().allSatisfy { $0.bytes.count == 172 })
        #expect(got.last?.bytes.count == 2048)
        #expect(got.allSatisfy { $0.source == peer.localAddress })
        // What the peer sends next still arrives: the stranger's datagram never did.
        #expect(peer.send([0xAB], to: channel.localAddress))
        for await datagram in stream {
            #expect(datagram.bytes == [0xAB])
            break
        }
        channel.close()
        peer.close()
        stranger.close()
    }

    @Test func anExclusivePortCannotBeBoundTwice() throws {
        let loop = try EventLoop(name: "test-udp-exclusive")
        defer { loop.shutdown() }
        let first = try UDPChannel(bind: SocketAddress(host: "127.0.0.1", port: 0), on: loop, exclusive: true) { _, _ in }
        defer { first.close() }
        #expect(throws: IOError.self) {
            _ = try UDPChannel(bind: first.localAddress, on: loop, exclusive: true) { _, _ in }
        }
    }

    @Test func addressesParseAndPrint() throws {
        let v4 = try SocketAddress(host: "192.0.2.7", port: 5060)
        #expect(v4.description == "192.0.2.7:5060")
        let v6 = try SocketAddress(host: "[2001:db8::1]", port: 5080)
        #expect(v6.description == "[2001:db8::1]:5080")
        #expect(v6.isIPv6)
        #expect(throws: IOError.self) { _ = try SocketAddress(host: "not-an-ip", port: 1) }
        #expect(try SocketAddress.resolve(host: "localhost", port: 7).port == 7)
    }
}
