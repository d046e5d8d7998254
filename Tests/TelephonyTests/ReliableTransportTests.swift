import Testing
@testable import Telephony

/// RFC 3261 §17.1 and §18 on a reliable transport (TCP): no retransmissions, Timers B and F still,
/// D and K zero, and a failed connection ends the transactions sent over it.
@Suite struct ReliableTransportTests {
    let timing = SIPTiming.standard
    let tcpTrunk = SIPDestination(host: "127.0.0.1", port: 5062, transport: .tcp)

    @Test func inviteOverTCPStartsOnlyTimerBAndEndsWithItsNon2xx() {
        let invite = testRequest("INVITE")
        var transaction = ClientTransactionStateMachine(request: invite, timing: timing, reliable: true)
        // §17.1.1.2: Timer A only "if an unreliable transport is being used".
        #expect(transaction.start() == [.send(invite), .startTimer(.b, after: .seconds(32))])
        let ringing = testResponse(to: invite, 180, "Ringing")
        #expect(transaction.responseReceived(ringing) == [.cancelTimer(.b), .passResponse(ringing)])
        let busy = testResponse(to: invite, 486, "Busy Here")
        let actions = transaction.responseReceived(busy)
        // Timer D is zero for reliable transports: ACK, pass up, done.
        #expect(actions == [.cancelTimer(.b), .send(ClientTransactionStateMachine.ack(for: invite, response: busy)), .passResponse(busy), .terminated])
        #expect(transaction.state == .terminated)
    }

    @Test func nonInviteOverTCPStartsOnlyTimerFAndTimesOutOnIt() {
        let bye = testRequest("BYE", cseq: 2)
        var transaction = ClientTransactionStateMachine(request: bye, timing: timing, reliable: true)
        #expect(transaction.start() == [.send(bye), .startTimer(.f, after: .seconds(32))])
        #expect(transaction.timerFired(.e) == [])
        #expect(transaction.timerFired(.f) == [.cancelTimer(.a), .cancelTimer(.e), .timedOut, .terminated])
    }

    @Test func nonInviteFinalOverTCPEndsTheTransactionAtOnce() {
        let bye = testRequest("BYE", cseq: 2)
        var transaction = ClientTransactionStateMachine(request: bye, timing: timing, reliable: true)
        _ = transaction.start()
        let ok = testResponse(to: bye, 200, "OK")
        // §17.1.2.2: Timer K is zero for reliable transports.
        #expect(transaction.responseReceived(ok) == [.cancelTimer(.f), .passResponse(ok), .terminated])
    }

    func tcpCall() -> CallStateMachine {
        var invite = testRequest("INVITE")
        invite.setHeader("Via", "SIP/2.0/TCP 127.0.0.1:5070;branch=z9hG4bKtest1;rport")
        return CallStateMachine(configuration: .init(
            invite: invite, destination: tcpTrunk, contact: "<sip:campaignd@127.0.0.1:5070;transport=tcp>",
            answerTimeout: .seconds(20), maxCallDuration: .seconds(60)))
    }

    func sent(_ actions: [CallStateMachine.Action]) -> [(SIPMessage, SIPDestination)] {
        actions.compactMap { if case .send(let message, let destination) = $0 { return (message, destination) } else { return nil } }
    }

    func outcome(_ actions: [CallStateMachine.Action]) -> CallOutcome? {
        actions.lazy.compactMap { if case .ended(let outcome) = $0 { return outcome } else { return nil } }.first
    }

    @Test func aCallOverTCPSetsNoRetransmissionTimer() throws {
        var call = tcpCall()
        let start = call.start()
        #expect(sent(start).map(\.1) == [tcpTrunk])
        let timers = start.compactMap { if case .startTimer(.transaction(_, let timer), _) = $0 { return timer } else { return nil } }
        #expect(timers == [.b])
    }

    @Test func aConnectionFailingBeforeAnyResponseEndsTheCallAsAnError() throws {
        var call = tcpCall()
        _ = call.start()
        // Another destination's failure does not touch this call.
        #expect(call.transportFailed(to: SIPDestination(host: "127.0.0.1", port: 5999, transport: .tcp), reason: "elsewhere") == [])
        let failed = call.transportFailed(to: tcpTrunk, reason: "connection to 127.0.0.1:5062;transport=tcp failed: refused")
        let end = try #require(outcome(failed))
        #expect(end.status == .failed)
        #expect(end.reasonCode == .error)
        #expect(end.reason == "connection to 127.0.0.1:5062;transport=tcp failed: refused")
        #expect(call.state == .ended)
    }

    @Test func aConnectionDroppingWhileRingingEndsTheCall() throws {
        var call = tcpCall()
        let invite = try #require(sent(call.start()).first?.0)
        _ = call.responseReceived(testResponse(to: invite, 180, "Ringing"))
        let end = try #require(outcome(call.transportFailed(to: tcpTrunk, reason: "connection to 127.0.0.1:5062;transport=tcp closed")))
        #expect(end.reasonCode == .error)
    }

    @Test func inDialogRequestsStayOnTCPAndRequestsOverTCPAreAnsweredOnIt() throws {
        var call = tcpCall()
        let invite = try #require(sent(call.start()).first?.0)
        // The 200's Contact names no transport: the dialog (straight to the callee here, no trunk
        // in between) keeps the one it started on.
        let answered = call.responseReceived(testResponse(to: invite, 200, "OK", extra: [
            SIPHeaderField("Contact", "<sip:callee@127.0.0.1:5090>")], body: "v=0\r\n"))
        #expect(sent(answered).map(\.1) == [SIPDestination(host: "127.0.0.1", port: 5090, transport: .tcp)])
        // The callee's BYE came on a connection from port 40001 (stamped in its Via as rport).
        var bye = SIPMessage.request("BYE", uri: "sip:campaignd@127.0.0.1:5070;transport=tcp", headers: [
            SIPHeaderField("Via", "SIP/2.0/TCP 127.0.0.1:5062;branch=z9hG4bKbye1;rport=40001"),
            SIPHeaderField("From", "<sip:+15551234567@127.0.0.1:5062;user=phone>;tag=totag9"),
            SIPHeaderField("To", "\"Acme\" <sip:+15550001111@127.0.0.1>;tag=fromtag1"),
            SIPHeaderField("Call-ID", "call-1@127.0.0.1"),
            SIPHeaderField("CSeq", "5 BYE"),
        ])
        bye.body = []
        let answer = call.requestReceived(bye)
        #expect(sent(answer).first?.1 == SIPDestination(host: "127.0.0.1", port: 40001, transport: .tcp))
        #expect(sent(answer).first?.0.statusCode == 200)
    }

    @Test func uriTransportParameterChoosesTheTransport() {
        #expect(SIPDestination(uri: "sip:proxy.example.com:5080;transport=tcp;lr")?.transport == .tcp)
        #expect(SIPDestination(uri: "sip:proxy.example.com;lr")?.transport == .udp)
        #expect(SIPDestination(uri: "sip:proxy.example.com;lr", defaultTransport: .tcp)?.transport == .tcp)
        #expect(SIPDestination(uri: "sip:proxy.example.com;transport=TCP")?.transport == .tcp)
    }
}
