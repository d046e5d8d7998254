import Testing
@testable import Telephony

func testRequest(_ method: SIPMethod, branch: String = "z9hG4bKtest1", cseq: UInt32 = 1) -> SIPMessage {
    SIPMessage.request(method, uri: "sip:+15551234567@127.0.0.1:5062;user=phone", headers: [
        SIPHeaderField("Via", "SIP/2.0/UDP 127.0.0.1:5070;branch=\(branch);rport"),
        SIPHeaderField("Max-Forwards", "70"),
        SIPHeaderField("From", "\"Acme\" <sip:+15550001111@127.0.0.1>;tag=fromtag1"),
        SIPHeaderField("To", "<sip:+15551234567@127.0.0.1:5062;user=phone>"),
        SIPHeaderField("Call-ID", "call-1@127.0.0.1"),
        SIPHeaderField("CSeq", "\(cseq) \(method)"),
        SIPHeaderField("Contact", "<sip:campaignd@127.0.0.1:5070>"),
    ])
}

/// A response to `request` as a UAS would send it.
func testResponse(to request: SIPMessage, _ code: Int, _ reason: String, toTag: String? = "totag9", extra: [SIPHeaderField] = [], body: String = "") -> SIPMessage {
    var response = SIPMessage(startLine: .response(statusCode: code, reasonPhrase: reason))
    for field in request.headers where ["Via", "From", "Call-ID", "CSeq"].contains(field.name) { response.headers.append(field) }
    var to = request.header("To") ?? ""
    if let toTag, !to.contains("tag=") { to += ";tag=\(toTag)" }
    response.addHeader("To", to)
    response.headers += extra
    response.body = Array(body.utf8)
    return response
}

@Suite struct ClientTransactionTests {
    let timing = SIPTiming.standard

    @Test func inviteRetransmitsOnTimerAUntilTimerB() {
        var transaction = ClientTransactionStateMachine(request: testRequest("INVITE"), timing: timing)
        #expect(transaction.start() == [.send(testRequest("INVITE")), .startTimer(.a, after: .milliseconds(500)), .startTimer(.b, after: .seconds(32))])
        var intervals: [Duration] = []
        for _ in 0..<6 {
            let actions = transaction.timerFired(.a)
            #expect(actions.first == .send(testRequest("INVITE")))
            if case .startTimer(.a, let after)? = actions.last { intervals.append(after) }
        }
        // §17.1.1.2: A doubles each time: 1, 2, 4, 8, 16, 32 s.
        #expect(intervals == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(32)])
        #expect(transaction.timerFired(.b) == [.cancelTimer(.a), .cancelTimer(.e), .timedOut, .terminated])
        #expect(transaction.state == .terminated)
        #expect(transaction.timerFired(.a) == [])
    }

    @Test func provisionalStopsRetransmissionAndTimerB() {
        let invite = testRequest("INVITE")
        var transaction = ClientTransactionStateMachine(request: invite, timing: timing)
        _ = transaction.start()
        let ringing = testResponse(to: invite, 180, "Ringing")
        #expect(transaction.responseReceived(ringing) == [.cancelTimer(.a), .cancelTimer(.b), .passResponse(ringing)])
        #expect(transaction.timerFired(.b) == [])  // §17.1.1.2: B only fires in Calling
        #expect(transaction.state == .proceeding)
    }

    @Test func nonSuccessFinalIsAcknowledgedAndRetransmissionsAbsorbed() throws {
        let invite = testRequest("INVITE")
        var transaction = ClientTransactionStateMachine(request: invite, timing: timing)
        _ = transaction.start()
        let busy = testResponse(to: invite, 486, "Busy Here")
        let actions = transaction.responseReceived(busy)
        guard case .send(let ack) = actions[2] else { Issue.record("no ACK: \(actions)"); return }
        #expect(actions == [.cancelTimer(.a), .cancelTimer(.b), .send(ack), .passResponse(busy), .startTimer(.d, after: .seconds(32))])
        // §17.1.1.3: the ACK copies the INVITE's Via (same branch), From, Call-ID, Request-URI and CSeq number; To from the response.
        #expect(ack.method == "ACK")
        #expect(ack.requestURI == invite.requestURI)
        #expect(ack.topVia?.branch == "z9hG4bKtest1")
        #expect(ack.header("CSeq") == "1 ACK")
        #expect(ack.to?.tag == "totag9")
        #expect(ack.header("From") == invite.header("From"))
        // A retransmitted 486 gets the same ACK, and is not passed up again.
        #expect(transaction.responseReceived(busy) == [.send(ack)])
        #expect(transaction.timerFired(.d) == [.terminated])
    }

    @Test func successEndsTheTransactionAtOnce() {
        let invite = testRequest("INVITE")
        var transaction = ClientTransactionStateMachine(request: invite, timing: timing)
        _ = transaction.start()
        let ok = testResponse(to: invite, 200, "OK")
        #expect(transaction.responseReceived(ok) == [.cancelTimer(.a), .cancelTimer(.b), .passResponse(ok), .terminated])
    }

    @Test func nonInviteRetransmissionIsCappedAtT2() {
        let bye = testRequest("BYE", cseq: 2)
        var transaction = ClientTransactionStateMachine(request: bye, timing: timing)
        #expect(transaction.start() == [.send(bye), .startTimer(.e, after: .milliseconds(500)), .startTimer(.f, after: .seconds(32))])
        var intervals: [Duration] = []
        for _ in 0..<5 {
            if case .startTimer(.e, let after)? = transaction.timerFired(.e).last { intervals.append(after) }
        }
        #expect(intervals == [.seconds(1), .seconds(2), .seconds(4), .seconds(4), .seconds(4)])
        let ok = testResponse(to: bye, 200, "OK")
        #expect(transaction.responseReceived(ok) == [.cancelTimer(.e), .cancelTimer(.f), .passResponse(ok), .startTimer(.k, after: .seconds(5))])
        #expect(transaction.timerFired(.k) == [.terminated])
    }

    @Test func nonInviteTimesOutOnTimerF() {
        var transaction = ClientTransactionStateMachine(request: testRequest("CANCEL"), timing: timing)
        _ = transaction.start()
        _ = transaction.responseReceived(testResponse(to: testRequest("CANCEL"), 100, "Trying"))
        #expect(transaction.timerFired(.f).contains(.timedOut))
    }

    @Test func matchesByBranchAndMethod() {
        let transaction = ClientTransactionStateMachine(request: testRequest("INVITE"), timing: timing)
        #expect(transaction.matches(testResponse(to: testRequest("INVITE"), 180, "Ringing")))
        #expect(!transaction.matches(testResponse(to: testRequest("CANCEL"), 200, "OK")))
        #expect(!transaction.matches(testResponse(to: testRequest("INVITE", branch: "z9hG4bKother"), 180, "Ringing")))
    }
}
