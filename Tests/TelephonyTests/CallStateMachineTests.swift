import Testing
@testable import Telephony

@Suite struct CallStateMachineTests {
    let trunk = SIPDestination(host: "127.0.0.1", port: 5062)

    func machine(credentials: DigestCredentials? = nil) -> CallStateMachine {
        var invite = testRequest("INVITE")
        invite.addHeader("Content-Type", "application/sdp")
        invite.body = Array("v=0\r\n".utf8)
        return CallStateMachine(configuration: .init(
            invite: invite, destination: trunk, credentials: credentials, contact: "<sip:campaignd@127.0.0.1:5070>",
            answerTimeout: .seconds(20), maxCallDuration: .seconds(60)))
    }

    /// The messages `actions` send, with where they go.
    func sent(_ actions: [CallStateMachine.Action]) -> [(SIPMessage, SIPDestination)] {
        actions.compactMap { if case .send(let message, let destination) = $0 { return (message, destination) } else { return nil } }
    }

    func events(_ actions: [CallStateMachine.Action]) -> [CallEvent] {
        actions.compactMap { if case .event(let event) = $0 { return event } else { return nil } }
    }

    func outcome(_ actions: [CallStateMachine.Action]) -> CallOutcome? {
        actions.lazy.compactMap { if case .ended(let outcome) = $0 { return outcome } else { return nil } }.first
    }

    @Test func answeredCallWithRecordRouteThenWeHangUp() throws {
        var call = machine()
        let start = call.start()
        let invite = try #require(sent(start).first?.0)
        #expect(sent(start).first?.1 == trunk)
        #expect(events(start) == [.inviteSent(sipCallID: "call-1@127.0.0.1")])
        #expect(start.contains(.startTimer(.answerTimeout, after: .seconds(20))))
        #expect(events(call.responseReceived(testResponse(to: invite, 100, "Trying", toTag: nil))) == [.trying])
        #expect(events(call.responseReceived(testResponse(to: invite, 180, "Ringing"))) == [.ringing])
        let ok = testResponse(to: invite, 200, "OK", extra: [
            SIPHeaderField("Contact", "<sip:callee@127.0.0.1:5090>"),
            SIPHeaderField("Record-Route", "<sip:127.0.0.1:5064;lr>"),
        ], body: "v=0\r\nanswer")
        let answered = call.responseReceived(ok)
        #expect(events(answered) == [.answered(remoteSDP: "v=0\r\nanswer")])
        #expect(answered.contains(.startTimer(.maxDuration, after: .seconds(60))))
        // §13.2.2.4: the ACK for a 2xx is its own request: Request-URI the Contact, Route the record-route, new branch.
        let (ack, ackDestination) = try #require(sent(answered).first)
        #expect(ack.method == "ACK")
        #expect(ack.requestURI == "sip:callee@127.0.0.1:5090")
        #expect(ack.headerValues("Route") == ["<sip:127.0.0.1:5064;lr>"])
        #expect(ackDestination == SIPDestination(host: "127.0.0.1", port: 5064))
        #expect(ack.header("CSeq") == "1 ACK")
        #expect(ack.topVia?.branch != invite.topVia?.branch)
        #expect(ack.to?.tag == "totag9")
        #expect(call.state == .confirmed)
        // A retransmitted 200 gets the same ACK again.
        #expect(sent(call.responseReceived(ok)).map(\.0) == [ack])

        let hangUp = call.hangUp()
        let (bye, byeDestination) = try #require(sent(hangUp).first)
        #expect(bye.method == "BYE")
        #expect(bye.header("CSeq") == "2 BYE")
        #expect(bye.requestURI == "sip:callee@127.0.0.1:5090")
        #expect(byeDestination == SIPDestination(host: "127.0.0.1", port: 5064))
        let ended = call.responseReceived(testResponse(to: bye, 200, "OK"))
        #expect(outcome(ended) == CallOutcome(status: .completed, reasonCode: .dialerDisconnected))
        #expect(call.state == .ended)
    }

    @Test(arguments: [
        (486, CallOutcome.ReasonCode.busy), (600, .busy), (603, .declined), (404, .invalidNumber), (484, .invalidNumber),
        (503, .unavailable), (500, .unavailable), (480, .noAnswer), (408, .noAnswer), (488, .incompatible), (421, .incompatible), (415, .incompatible),
    ])
    func finalResponsesMapToOutcomes(code: Int, reasonCode: CallOutcome.ReasonCode) throws {
        var call = machine()
        let invite = try #require(sent(call.start()).first?.0)
        let actions = call.responseReceived(testResponse(to: invite, code, "Reason \(code)"))
        #expect(sent(actions).map { $0.0.method } == ["ACK"])
        #expect(outcome(actions) == CallOutcome(status: .failed, reasonCode: reasonCode, sipCode: code, reason: "Reason \(code)"))
    }

    @Test func answerTimeoutCancelsOnlyAfterAProvisional() throws {
        var call = machine()
        let invite = try #require(sent(call.start()).first?.0)
        // §9.1: no CANCEL before a provisional response.
        #expect(call.timerFired(.answerTimeout) == [])
        let ringing = call.responseReceived(testResponse(to: invite, 180, "Ringing"))
        let cancel = try #require(sent(ringing).first?.0)
        #expect(cancel.method == "CANCEL")
        #expect(cancel.topVia?.branch == invite.topVia?.branch)
        #expect(cancel.header("CSeq") == "1 CANCEL")
        #expect(cancel.header("To") == invite.header("To"))
        #expect(call.state == .cancelling)
        #expect(outcome(call.responseReceived(testResponse(to: cancel, 200, "OK"))) == nil)
        let terminated = call.responseReceived(testResponse(to: invite, 487, "Request Terminated"))
        #expect(sent(terminated).map { $0.0.method } == ["ACK"])
        #expect(outcome(terminated) == CallOutcome(status: .failed, reasonCode: .noAnswer, sipCode: 487, reason: "Request Terminated"))
    }

    @Test func anInviteStillUnansweredLongAfterItsCancelIsGivenUp() throws {
        var call = machine()
        let invite = try #require(sent(call.start()).first?.0)
        _ = call.timerFired(.answerTimeout)
        // The 180 comes after the answer timer: the CANCEL goes now, with its 64·T1 guard.
        let ringing = call.responseReceived(testResponse(to: invite, 180, "Ringing"))
        let cancel = try #require(sent(ringing).first?.0)
        #expect(cancel.method == "CANCEL")
        #expect(ringing.contains(.startTimer(.cancelGuard, after: .seconds(32))))
        _ = call.responseReceived(testResponse(to: cancel, 200, "OK"))
        // The callee never sends the INVITE's final response: the guard ends the call.
        let given = call.timerFired(.cancelGuard)
        #expect(outcome(given)?.reasonCode == .noAnswer)
        #expect(outcome(given)?.reason?.contains("64×T1") == true)
        #expect(call.state == .ended)
        // A late 487 after that changes nothing.
        #expect(outcome(call.responseReceived(testResponse(to: invite, 487, "Request Terminated"))) == nil)
    }

    @Test func theCancelGuardIsStoppedWhenTheCallEnds() throws {
        var call = machine()
        let invite = try #require(sent(call.start()).first?.0)
        _ = call.responseReceived(testResponse(to: invite, 180, "Ringing"))
        _ = call.timerFired(.answerTimeout)
        let terminated = call.responseReceived(testResponse(to: invite, 487, "Request Terminated"))
        #expect(terminated.contains(.cancelTimer(.cancelGuard)))
        #expect(call.timerFired(.cancelGuard) == [])
    }

    @Test func okCrossingTheCancelIsAcknowledgedAndHungUp() throws {
        var call = machine()
        let invite = try #require(sent(call.start()).first?.0)
        _ = call.responseReceived(testResponse(to: invite, 180, "Ringing"))
        let cancel = try #require(sent(call.timerFired(.answerTimeout)).first?.0)
        #expect(cancel.method == "CANCEL")
        let crossed = call.responseReceived(testResponse(to: invite, 200, "OK", extra: [SIPHeaderField("Contact", "<sip:callee@127.0.0.1:5090>")]))
        #expect(sent(crossed).map { $0.0.method } == ["ACK", "BYE"])
        #expect(events(crossed) == [.answered(remoteSDP: "")])
        let bye = sent(crossed)[1].0
        let ended = call.responseReceived(testResponse(to: bye, 200, "OK"))
        #expect(outcome(ended)?.status == .completed)
        #expect(outcome(ended)?.reasonCode == .dialerDisconnected)
    }

    @Test func digestChallengeIsAnsweredOnce() throws {
        var call = machine(credentials: DigestCredentials(username: "dialer", password: "secret"))
        let invite = try #require(sent(call.start()).first?.0)
        let challenge = testResponse(to: invite, 401, "Unauthorized", extra: [
            SIPHeaderField("WWW-Authenticate", "Digest realm=\"sipp\", nonce=\"abc123\", qop=\"auth\"")])
        let retry = call.responseReceived(challenge)
        let methods = sent(retry).map { $0.0.method }
        #expect(methods == ["ACK", "INVITE"])
        let second = sent(retry)[1].0
        #expect(second.header("CSeq") == "2 INVITE")
        #expect(second.callID == invite.callID)
        #expect(second.topVia?.branch != invite.topVia?.branch)
        let authorization = try #require(second.header("Authorization"))
        let expected = try DigestChallenge(parsing: "Digest realm=\"sipp\", nonce=\"abc123\", qop=\"auth\"").response(
            username: "dialer", password: "secret", method: "INVITE", uri: invite.requestURI ?? "", nonceCount: 1,
            cnonce: String(MD5.hexDigest(Array("call-1@127.0.0.1:2".utf8)).prefix(16)))
        #expect(authorization.contains("response=\"\(expected)\""))
        #expect(authorization.contains("username=\"dialer\""))
        #expect(!authorization.contains("secret"))
        // A second challenge that is not stale means the credentials are wrong.
        let rejected = call.responseReceived(testResponse(to: second, 401, "Unauthorized", extra: [
            SIPHeaderField("WWW-Authenticate", "Digest realm=\"sipp\", nonce=\"def456\", qop=\"auth\"")]))
        #expect(outcome(rejected)?.reasonCode == .error)
        #expect(outcome(rejected)?.sipCode == 401)
    }

    @Test func staleNonceGetsOneMoreTryAndProxyAuthUsesItsOwnHeader() throws {
        var call = machine(credentials: DigestCredentials(username: "dialer", password: "secret"))
        let invite = try #require(sent(call.start()).first?.0)
        let first = sent(call.responseReceived(testResponse(to: invite, 407, "Proxy Authentication Required", extra: [
            SIPHeaderField("Proxy-Authenticate", "Digest realm=\"proxy\", nonce=\"n1\"")]))).last?.0
        let retry = try #require(first)
        #expect(retry.header("Proxy-Authorization") != nil)
        let second = sent(call.responseReceived(testResponse(to: retry, 407, "Proxy Authentication Required", extra: [
            SIPHeaderField("Proxy-Authenticate", "Digest realm=\"proxy\", nonce=\"n2\", stale=true")]))).last?.0
        #expect(second?.header("CSeq") == "3 INVITE")
        #expect(second?.header("Proxy-Authorization")?.contains("nonce=\"n2\"") == true)
    }

    @Test func challengeWithoutCredentialsFails() throws {
        var call = machine()
        let invite = try #require(sent(call.start()).first?.0)
        let actions = call.responseReceived(testResponse(to: invite, 407, "Proxy Authentication Required", extra: [
            SIPHeaderField("Proxy-Authenticate", "Digest realm=\"proxy\", nonce=\"n1\"")]))
        #expect(outcome(actions)?.reason == "authentication required but the trunk has no credentials")
    }

    @Test func calleeHangsUp() throws {
        var call = machine()
        let invite = try #require(sent(call.start()).first?.0)
        let ok = testResponse(to: invite, 200, "OK", extra: [SIPHeaderField("Contact", "<sip:callee@127.0.0.1:5090>")])
        _ = call.responseReceived(ok)
        var bye = SIPMessage.request("BYE", uri: "sip:campaignd@127.0.0.1:5070", headers: [
            SIPHeaderField("Via", "SIP/2.0/UDP 127.0.0.1:5090;branch=z9hG4bKcallee1"),
            SIPHeaderField("From", "<sip:+15551234567@127.0.0.1:5062;user=phone>;tag=totag9"),
            SIPHeaderField("To", "\"Acme\" <sip:+15550001111@127.0.0.1>;tag=fromtag1"),
            SIPHeaderField("Call-ID", "call-1@127.0.0.1"),
            SIPHeaderField("CSeq", "1 BYE"),
        ])
        let actions = call.requestReceived(bye)
        let (response, destination) = try #require(sent(actions).first)
        #expect(response.statusCode == 200)
        #expect(response.header("CSeq") == "1 BYE")
        #expect(destination == SIPDestination(host: "127.0.0.1", port: 5090))
        #expect(outcome(actions) == CallOutcome(status: .completed, reasonCode: .clientDisconnected, reason: "callee hung up"))
        // A BYE from outside the dialog is refused.
        bye.setHeader("From", "<sip:x@127.0.0.1>;tag=stranger")
        var other = machine()
        _ = other.start()
        #expect(sent(other.requestReceived(bye)).first?.0.statusCode == 481)
    }

    @Test func optionsAndReinviteInTheDialogAreAnswered() throws {
        var call = machine()
        let invite = try #require(sent(call.start()).first?.0)
        _ = call.responseReceived(testResponse(to: invite, 200, "OK", extra: [SIPHeaderField("Contact", "<sip:callee@127.0.0.1:5090>")]))
        let headers = [
            SIPHeaderField("Via", "SIP/2.0/UDP 127.0.0.1:5090;branch=z9hG4bKcallee2;rport=5091;received=127.0.0.2"),
            SIPHeaderField("From", "<sip:+15551234567@127.0.0.1:5062;user=phone>;tag=totag9"),
            SIPHeaderField("To", "\"Acme\" <sip:+15550001111@127.0.0.1>;tag=fromtag1"),
            SIPHeaderField("Call-ID", "call-1@127.0.0.1"),
        ]
        let options = call.requestReceived(SIPMessage.request("OPTIONS", uri: "sip:campaignd@127.0.0.1:5070", headers: headers + [SIPHeaderField("CSeq", "2 OPTIONS")]))
        #expect(sent(options).first?.0.statusCode == 200)
        #expect(sent(options).first?.1 == SIPDestination(host: "127.0.0.2", port: 5091))
        let reinvite = call.requestReceived(SIPMessage.request("INVITE", uri: "sip:campaignd@127.0.0.1:5070", headers: headers + [SIPHeaderField("CSeq", "3 INVITE")]))
        let ok = try #require(sent(reinvite).first?.0)
        #expect(ok.statusCode == 200)
        #expect(ok.body == Array("v=0\r\n".utf8))
        #expect(call.state == .confirmed)
    }

    @Test func holdReinvitesAreAnsweredInTheMirroredDirectionWithTheNextVersion() throws {
        var invite = testRequest("INVITE")
        invite.addHeader("Content-Type", "application/sdp")
        invite.body = Array(SIPDialer.sdpOffer(host: "127.0.0.1", rtpPort: 20000).utf8)
        var call = CallStateMachine(configuration: .init(
            invite: invite, destination: trunk, contact: "<sip:campaignd@127.0.0.1:5070>", answerTimeout: .seconds(20), maxCallDuration: .seconds(60)))
        let sentInvite = try #require(sent(call.start()).first?.0)
        _ = call.responseReceived(testResponse(to: sentInvite, 200, "OK", extra: [SIPHeaderField("Contact", "<sip:callee@127.0.0.1:5090>")]))
        let headers = [
            SIPHeaderField("Via", "SIP/2.0/UDP 127.0.0.1:5090;branch=z9hG4bKhold"),
            SIPHeaderField("From", "<sip:+15551234567@127.0.0.1:5062;user=phone>;tag=totag9"),
            SIPHeaderField("To", "\"Acme\" <sip:+15550001111@127.0.0.1>;tag=fromtag1"),
            SIPHeaderField("Call-ID", "call-1@127.0.0.1"),
        ]
        func reinvite(_ cseq: Int, _ direction: String) throws -> (SDPAnswerLines, [CallStateMachine.Action]) {
            var request = SIPMessage.request("INVITE", uri: "sip:campaignd@127.0.0.1:5070", headers: headers + [SIPHeaderField("CSeq", "\(cseq) INVITE")])
            request.body = Array("v=0\r\no=agent 1 \(cseq) IN IP4 127.0.0.1\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\na=\(direction)\r\n".utf8)
            let actions = call.requestReceived(request)
            let ok = try #require(sent(actions).first?.0)
            #expect(ok.statusCode == 200)
            return (SDPAnswerLines(ok.body), actions)
        }
        let original = SDPAnswerLines(invite.body)
        #expect(original.direction == "sendrecv")
        // On hold: we only receive; the media stops expecting RTP when the far end sends none.
        let (held, heldActions) = try reinvite(3, "sendonly")
        #expect(held.direction == "recvonly")
        #expect(held.version == original.version + 1)
        #expect(heldActions.contains(.remoteSends(true)))
        let (inactive, inactiveActions) = try reinvite(4, "inactive")
        #expect(inactive.direction == "inactive")
        #expect(inactive.version == original.version + 2)
        #expect(inactiveActions.contains(.remoteSends(false)))
        // Taken off hold: both ways again, a new version; a repeat of it changes nothing.
        let (resumed, _) = try reinvite(5, "sendrecv")
        #expect(resumed.direction == "sendrecv")
        #expect(resumed.version == original.version + 3)
        #expect(try reinvite(6, "sendrecv").0.version == original.version + 3)
    }

    /// The `o=` version and the direction attribute of an SDP body.
    struct SDPAnswerLines {
        var version: UInt64 = 0
        var direction = ""
        init(_ body: [UInt8]) {
            for line in String(decoding: body, as: UTF8.self).split(separator: "\r\n") {
                if line.hasPrefix("o=") { version = UInt64(line.split(separator: " ")[2]) ?? 0 }
                if ["a=sendrecv", "a=sendonly", "a=recvonly", "a=inactive"].contains(String(line)) { direction = String(line.dropFirst(2)) }
            }
        }
    }

    @Test func noResponseAtAllEndsWithAnError() throws {
        var call = machine()
        let start = call.start()
        let invite = try #require(sent(start).first?.0)
        let key = CallStateMachine.TransactionKey(branch: invite.topVia?.branch ?? "", method: "INVITE")
        #expect(start.contains(.startTimer(.transaction(key, .b), after: .seconds(32))))
        let actions = call.timerFired(.transaction(key, .b))
        #expect(outcome(actions) == CallOutcome(status: .failed, reasonCode: .error, reason: "no response to INVITE (Timer B)"))
    }

    @Test func maxDurationSendsBye() throws {
        var call = machine()
        let invite = try #require(sent(call.start()).first?.0)
        _ = call.responseReceived(testResponse(to: invite, 200, "OK"))
        let bye = try #require(sent(call.timerFired(.maxDuration)).first?.0)
        #expect(bye.method == "BYE")
        #expect(outcome(call.responseReceived(testResponse(to: bye, 200, "OK")))?.reasonCode == .maxDuration)
    }

    @Test func responsesForOtherCallsOrTransactionsAreIgnored() throws {
        var call = machine()
        let invite = try #require(sent(call.start()).first?.0)
        var stranger = testResponse(to: invite, 486, "Busy Here")
        stranger.setHeader("Call-ID", "someone-else")
        #expect(call.responseReceived(stranger) == [])
        #expect(call.responseReceived(testResponse(to: testRequest("INVITE", branch: "z9hG4bKunknown"), 486, "Busy Here")) == [])
        #expect(call.state == .inviting)
    }
}
