import Foundation
import IO
import Testing
@testable import Telephony

/// The dialer on a real UDP socket on 127.0.0.1, with a second socket playing the network.
@Suite(.serialized) struct SIPDialerTests {
    @Test func hostileInputIsDroppedAndCounted() async throws {
        let loops = try EventLoopGroup(threads: 2, name: "test-dialer")
        defer { loops.shutdown() }
        let dialer = try SIPDialer(host: "127.0.0.1", port: 0, group: loops, configuration: .init(
            advertisedHost: "127.0.0.1", trunks: [SIPTrunk(name: "t", host: "127.0.0.2")]))
        let (answers, answered) = AsyncStream<[UInt8]>.makeStream()
        let peer = try UDPChannel(bind: SocketAddress(host: "127.0.0.1", port: 0), on: loops.loops[1]) { bytes, _ in
            answered.yield(Array(bytes))
        }
        defer {
            peer.close()
            dialer.close()
        }
        let running = Task { await dialer.run() }
        defer { running.cancel() }
        let target = try SocketAddress(host: "127.0.0.1", port: dialer.localPort)
        let send = { (text: String) in peer.send(Array(text.utf8), to: target) }
        send("garbage that is not SIP\r\n\r\n")
        peer.send([UInt8](repeating: 0x41, count: 60_000), to: target)
        send("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKx\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: nobody\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
        send("BYE sip:campaignd@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:\(peer.localAddress.port);branch=z9hG4bKy;rport\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: stranger\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n")
        send("\r\n\r\n")  // keep-alive
        var counters = SIPDialer.Counters()
        for _ in 0..<100 {
            counters = dialer.counters
            if counters.malformed == 2, counters.unknownResponses == 1, counters.strayRequests == 1 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(counters == SIPDialer.Counters(malformed: 2, unknownResponses: 1, strayRequests: 1))
        // The stray BYE came from a host that is not a trunk: no answer at all. Every datagram above
        // was handled (counted) before this point, so an answer would already be on its way.
        let listener = Task { () -> Bool in
            for await _ in answers { return true }
            return false
        }
        try await Task.sleep(for: .milliseconds(300))
        answered.finish()
        #expect(await listener.value == false)
    }

    @Test func requestSourceIsStampedIntoTheVia() {
        var request = SIPMessage.request("BYE", uri: "sip:x@127.0.0.1", headers: [
            SIPHeaderField("Via", "SIP/2.0/UDP 10.1.1.1:5060;branch=z9hG4bK1;rport, SIP/2.0/UDP 10.2.2.2;branch=z9hG4bK2")])
        SIPDialer.stampSource(of: &request, host: "127.0.0.1", port: 40000)
        #expect(request.topVia?.parameters["received"] == "127.0.0.1")
        #expect(request.topVia?.parameters["rport"] == "40000")
        #expect(request.headerValues("Via").count == 2)
    }

    @Test func phoneNumbersNeedATrunk() async throws {
        let loops = try EventLoopGroup(threads: 1, name: "test-dialer-trunk")
        defer { loops.shutdown() }
        let dialer = try SIPDialer(host: "127.0.0.1", port: 0, group: loops, configuration: .init(advertisedHost: "127.0.0.1"))
        defer { dialer.close() }
        var last: CallEvent?
        for await event in await dialer.placeCall(CallRequest(target: .e164("+15551230001"))) { last = event }
        guard case .ended(let result)? = last else { Issue.record("no end"); return }
        #expect(result.outcome.reasonCode == .error)
        #expect(result.outcome.reason?.contains("no trunk") == true)
    }
}
