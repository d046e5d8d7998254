import Testing
@testable import Telephony

/// What carriers and PBXs do beyond the basic call (issue 15), on `CallStateMachine` as event →
/// action sequences: UPDATE, INFO, OPTIONS, 100rel, session timers, early SDP, challenged BYEs,
/// redirects, Retry-After and the responses we cannot satisfy.
@Suite struct CarrierBehaviourTests {
    let trunk = SIPDestination(host: "127.0.0.1", port: 5062)

    func machine(credentials: DigestCredentials? = nil, invite: SIPMessage = testRequest("INVITE"),
                 destination: SIPDestination? = nil) -> CallStateMachine {
        var invite = invite
        invite.addHeader("Content-Type", "application/sdp")
        invite.body = Array("v=0\r\nours".utf8)
        return CallStateMachine(configuration: .init(
            invite: invite, destination: destination ?? trunk, credentials: credentials, contact: "<sip:campaignd@127.0.0.1:5070>",
            answerTimeout: .seconds(20), maxCallDuration: .seconds(3600)))
    }

    func sent(_ actions: [CallStateMachine.Action]) -> [SIPMessage] {
        actions.compactMap { if case .send(let message, _) = $0 { return message } else { return nil } }
    }

    func events(_ actions: [CallStateMachine.Action]) -> [CallEvent] {
        actions.compactMap { if case .event(let event) = $0 { return event } else { return nil } }
    }

    func outcome(_ actions: [CallStateMachine.Action]) -> CallOutcome? {
        actions.lazy.compactMap { if case .ended(let outcome) = $0 { return outcome } else { return nil } }.first
    }

    /// A request from the callee inside the dialog the 200 OK (To tag `totag9`) set up.
    func fromCallee(_ method: String, cseq: UInt32, extra: [SIPHeaderField] = [], body: String = "") -> SIPMessage {
        SIPMessage.request(method, uri: "sip:campaignd@127.0.0.1:5070", headers: [
            SIPHeaderField("Via", "SIP/2.0/UDP 127.0.0.1:5090;branch=z9hG4bKcallee\(cseq)"),
            SIPHeaderField("From", "<sip:+15551234567@127.0.0.1:5062;user=phone>;tag=totag9"),
            SIPHeaderField("To", "\"Acme\" <sip:+15550001111@127.0.0.1>;tag=fromtag1"),
            SIPHeaderField("Call-ID", "call-1@127.0.0.1"),
            SIPHeaderField("CSeq", "\(cseq) \(method)"),
        ] + extra, body: Array(body.utf8))
    }

    /// A call answered with `extra` headers on the 200; returns the machine and the INVITE.
    func answered(extra: [SIPHeaderField] = [], body: String = "v=0\r\ntheirs") throws -> (CallStateMachine, SIPMessage, [CallStateMachine.Action]) {
        var call = machine()
        let invite = try #require(sent(call.start()).first)
        let actions = call.responseReceived(testResponse(to: invite, 200, "OK", extra: [
            SIPHeaderField("Contact", "<sip:callee@127.0.0.1:5090>")] + extra, body: body))
        return (call, invite, actions)
    }

    // MARK: UPDATE, INFO, OPTIONS

    @Test func updateWithAnOfferIsAnsweredWithOurSDPAndWithoutOneWithout() throws {
        var (call, _, _) = try answered()
        // RFC 3311 §5.2: a 2xx to an UPDATE carrying an offer carries the answer.
        let offer = call.requestReceived(fromCallee("UPDATE", cseq: 2, extra: [SIPHeaderField("Content-Type", "application/sdp")],
                                                    body: "v=0\r\nnew offer"))
        let ok = try #require(sent(offer).first)
        #expect(ok.statusCode == 200)
        #expect(ok.header("CSeq") == "2 UPDATE")
        #expect(ok.header("Contact") == "<sip:campaignd@127.0.0.1:5070>")
        #expect(ok.header("Content-Type") == "application/sdp")
        #expect(ok.body == Array("v=0\r\nours".utf8))
        let bare = try #require(sent(call.requestReceived(fromCallee("UPDATE", cseq: 3))).first)
        #expect(bare.statusCode == 200)
        #expect(bare.body.isEmpty)
        #expect(call.state == .confirmed)
    }

    @Test(arguments: [
        ("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n", "5" as Character?),
        ("application/dtmf-relay", "Signal= #\r\nDuration= 100", "#"),
        ("application/dtmf-relay", "Signal=11\r\n", "#"),
        ("application/dtmf", "9", "9"),
        ("application/dtmf", "10", "*"),
        ("application/dtmf", "x", nil),
        ("application/xml", "<Signal>5</Signal>", nil),
    ])
    func infoBodiesBecomeDigits(contentType: String, body: String, digit: Character?) throws {
        var (call, _, _) = try answered()
        let actions = call.requestReceived(fromCallee("INFO", cseq: 2, extra: [SIPHeaderField("Content-Type", contentType)], body: body))
        #expect(sent(actions).map(\.statusCode) == [200])
        let digits = actions.compactMap { if case .digitReceived(let digit) = $0 { return digit } else { return nil } }
        #expect(digits == (digit.map { [$0] } ?? []))
    }

    @Test func infoOrUpdateOutsideTheDialogGets481() throws {
        var (call, _, _) = try answered()
        var stranger = fromCallee("INFO", cseq: 2, extra: [SIPHeaderField("Content-Type", "application/dtmf")], body: "5")
        stranger.setHeader("From", "<sip:x@127.0.0.1>;tag=stranger")
        let actions = call.requestReceived(stranger)
        #expect(sent(actions).map(\.statusCode) == [481])
        #expect(!actions.contains(.digitReceived("5")))
    }

    @Test func optionsListsWhatWeSupport() throws {
        var (call, _, _) = try answered()
        let ok = try #require(sent(call.requestReceived(fromCallee("OPTIONS", cseq: 2))).first)
        #expect(ok.statusCode == 200)
        #expect(ok.header("Allow")?.contains("UPDATE") == true)
        #expect(ok.header("Allow")?.contains("INFO") == true)
        #expect(ok.header("Allow")?.contains("PRACK") == true)
        #expect(ok.header("Accept") == "application/sdp, application/dtmf-relay, application/dtmf")
        #expect(ok.header("Supported") == "100rel, timer")
    }

    // MARK: Early SDP

    @Test func okWithoutSDPAfterA183WithSDPUsesTheEarlySDP() throws {
        var call = machine()
        let invite = try #require(sent(call.start()).first)
        let early = call.responseReceived(testResponse(to: invite, 183, "Session Progress", extra: [
            SIPHeaderField("Content-Type", "application/sdp")], body: "v=0\r\nearly"))
        #expect(events(early) == [.earlyMedia])
        let ok = call.responseReceived(testResponse(to: invite, 200, "OK"))
        // RFC 3261 §13.2.1: the answer came in the 183; the 200 does not repeat it.
        #expect(events(ok) == [.answered(remoteSDP: "v=0\r\nearly")])
        #expect(sent(ok).map(\.method) == ["ACK"])
    }

    @Test func sdpInTheOkWinsOverTheEarlyOne() throws {
        var call = machine()
        let invite = try #require(sent(call.start()).first)
        _ = call.responseReceived(testResponse(to: invite, 183, "Session Progress", body: "v=0\r\nearly"))
        #expect(events(call.responseReceived(testResponse(to: invite, 200, "OK", body: "v=0\r\nfinal"))) == [.answered(remoteSDP: "v=0\r\nfinal")])
    }

    // MARK: 100rel (RFC 3262)

    @Test func reliableProvisionalsArePRACKedOnceInOrder() throws {
        var call = machine()
        let invite = try #require(sent(call.start()).first)
        func reliable(_ code: Int, rseq: UInt32) -> SIPMessage {
            testResponse(to: invite, code, code == 180 ? "Ringing" : "Session Progress", extra: [
                SIPHeaderField("Require", "100rel"), SIPHeaderField("RSeq", String(rseq)),
                SIPHeaderField("Contact", "<sip:callee@127.0.0.1:5090>"), SIPHeaderField("Record-Route", "<sip:127.0.0.1:5064;lr>")])
        }
        let first = call.responseReceived(reliable(183, rseq: 7))
        #expect(events(first) == [.earlyMedia])
        let prack = try #require(sent(first).first)
        // §7.1: within the early dialog: Request-URI its Contact, its route set, its To tag, the next CSeq.
        #expect(prack.method == "PRACK")
        #expect(prack.requestURI == "sip:callee@127.0.0.1:5090")
        #expect(prack.headerValues("Route") == ["<sip:127.0.0.1:5064;lr>"])
        #expect(prack.header("RAck") == "7 1 INVITE")
        #expect(prack.header("CSeq") == "2 PRACK")
        #expect(prack.to?.tag == "totag9")
        #expect(first.contains { if case .send(_, let to) = $0 { return to == SIPDestination(host: "127.0.0.1", port: 5064) } else { return false } })
        // §4: a retransmission is neither PRACKed again nor reported again.
        #expect(call.responseReceived(reliable(183, rseq: 7)) == [])
        // One that skips a number is out of order: dropped until the missing one comes.
        #expect(call.responseReceived(reliable(180, rseq: 9)) == [])
        let next = call.responseReceived(reliable(180, rseq: 8))
        #expect(events(next) == [.ringing])
        #expect(sent(next).map { $0.header("RAck") } == ["8 1 INVITE"])
        #expect(sent(next).first?.header("CSeq") == "3 PRACK")
        // The PRACK's 200 changes nothing; the INVITE's 200 answers the call, and its ACK repeats the INVITE's CSeq.
        #expect(outcome(call.responseReceived(testResponse(to: prack, 200, "OK"))) == nil)
        let ok = call.responseReceived(testResponse(to: invite, 200, "OK", extra: [SIPHeaderField("Contact", "<sip:callee@127.0.0.1:5090>")]))
        #expect(sent(ok).map { $0.header("CSeq") } == ["1 ACK"])
        // The BYE comes after both PRACKs.
        #expect(sent(call.hangUp()).first?.header("CSeq") == "4 BYE")
    }

    @Test func unreliableProvisionalsAreNotPRACKed() throws {
        var call = machine()
        let invite = try #require(sent(call.start()).first)
        // RSeq without Require: 100rel is not a reliable provisional.
        let ringing = call.responseReceived(testResponse(to: invite, 180, "Ringing", extra: [SIPHeaderField("RSeq", "1")]))
        #expect(sent(ringing).isEmpty)
        #expect(events(ringing) == [.ringing])
    }

    @Test func reliableProvisionalMachine() {
        var machine = ReliableProvisionalStateMachine()
        #expect(machine.provisionalReceived(rseq: nil, cseq: 1) == [.pass])
        #expect(machine.provisionalReceived(rseq: 100, cseq: 1) == [.pass, .sendPRACK(rack: "100 1 INVITE")])
        #expect(machine.provisionalReceived(rseq: 100, cseq: 1) == [.discard])
        #expect(machine.provisionalReceived(rseq: 99, cseq: 1) == [.discard])
        #expect(machine.provisionalReceived(rseq: 102, cseq: 1) == [.discard])
        #expect(machine.provisionalReceived(rseq: 101, cseq: 1) == [.pass, .sendPRACK(rack: "101 1 INVITE")])
        #expect(machine.state == .acknowledged(rseq: 101))
        machine.inviteReplaced()
        #expect(machine.provisionalReceived(rseq: 5, cseq: 2) == [.pass, .sendPRACK(rack: "5 2 INVITE")])
        machine.finalResponseReceived()
        #expect(machine.provisionalReceived(rseq: 6, cseq: 2) == [.discard])
    }

    // MARK: Session timers (RFC 4028)

    @Test func weRefreshAtHalfTheIntervalWithUpdate() throws {
        var (call, _, answer) = try answered(extra: [SIPHeaderField("Session-Expires", "90;refresher=uac"), SIPHeaderField("Require", "timer")])
        #expect(answer.contains(.startTimer(.session(.refresh), after: .seconds(45))))
        var refreshes: [SIPMessage] = []
        for round in 0..<3 {
            let refresh = call.timerFired(.session(.refresh))
            let update = try #require(sent(refresh).first)
            #expect(update.method == "UPDATE")
            #expect(update.header("Session-Expires") == "90;refresher=uac")
            #expect(update.header("CSeq") == "\(2 + round) UPDATE")
            #expect(update.header("Contact") == "<sip:campaignd@127.0.0.1:5070>")
            #expect(update.body.isEmpty)
            let ok = call.responseReceived(testResponse(to: update, 200, "OK", extra: [SIPHeaderField("Session-Expires", "90;refresher=uac")]))
            #expect(ok.contains(.startTimer(.session(.refresh), after: .seconds(45))))
            refreshes.append(update)
        }
        #expect(Set(refreshes.map { $0.topVia?.branch }).count == 3)
        #expect(call.state == .confirmed)
    }

    @Test func aFarEndThatDoesNotAllowUpdateIsRefreshedWithReinvite() throws {
        var (call, _, _) = try answered(extra: [SIPHeaderField("Allow", "INVITE, ACK, BYE, CANCEL, OPTIONS"),
                                                SIPHeaderField("Session-Expires", "90;refresher=uac")])
        let refresh = call.timerFired(.session(.refresh))
        let reinvite = try #require(sent(refresh).first)
        #expect(reinvite.method == "INVITE")
        #expect(reinvite.requestURI == "sip:callee@127.0.0.1:5090")
        #expect(reinvite.header("CSeq") == "2 INVITE")
        #expect(reinvite.to?.tag == "totag9")
        #expect(reinvite.header("Session-Expires") == "90;refresher=uac")
        #expect(reinvite.body == Array("v=0\r\nours".utf8))
        // Its 2xx is ACKed by us, in the dialog, with the re-INVITE's CSeq number; the next refresh is set.
        let ok = testResponse(to: reinvite, 200, "OK", extra: [SIPHeaderField("Session-Expires", "90;refresher=uac")], body: "v=0\r\ntheirs")
        let answered = call.responseReceived(ok)
        let ack = try #require(sent(answered).first)
        #expect(ack.method == "ACK")
        #expect(ack.header("CSeq") == "2 ACK")
        #expect(answered.contains(.startTimer(.session(.refresh), after: .seconds(45))))
        #expect(!answered.contains { if case .event = $0 { return true } else { return false } })
        // §13.2.2.4: a retransmitted 2xx gets the same ACK again.
        #expect(sent(call.responseReceived(ok)) == [ack])
        // A refresh that never gets an answer ends the call.
        let next = try #require(sent(call.timerFired(.session(.refresh))).first)
        let key = CallStateMachine.TransactionKey(branch: next.topVia?.branch ?? "", method: "INVITE")
        #expect(sent(call.timerFired(.transaction(key, .b))).map(\.method) == ["BYE"])
        #expect(call.state == .terminating)
    }

    @Test(arguments: [(408, "Request Timeout"), (481, "Call/Transaction Does Not Exist"), (500, "Server Internal Error")])
    func aFailedRefreshHangsUp(code: Int, reason: String) throws {
        var (call, _, _) = try answered(extra: [SIPHeaderField("Session-Expires", "120;refresher=uac")])
        let update = try #require(sent(call.timerFired(.session(.refresh))).first)
        let failed = call.responseReceived(testResponse(to: update, code, reason))
        let bye = try #require(sent(failed).first)
        #expect(bye.method == "BYE")
        #expect(failed.contains(.disconnected))
        let ended = call.responseReceived(testResponse(to: bye, 200, "OK"))
        #expect(outcome(ended) == CallOutcome(status: .completed, reasonCode: .error, reason: "session refresh failed (RFC 4028)"))
    }

    @Test func aRefreshWithNoAnswerHangsUp() throws {
        var (call, _, _) = try answered(extra: [SIPHeaderField("Session-Expires", "120")])
        let update = try #require(sent(call.timerFired(.session(.refresh))).first)
        let key = CallStateMachine.TransactionKey(branch: update.topVia?.branch ?? "", method: "UPDATE")
        #expect(sent(call.timerFired(.transaction(key, .f))).map(\.method) == ["BYE"])
    }

    @Test func whenTheyRefreshAndDoNotWeHangUpBeforeExpiry() throws {
        var (call, _, answer) = try answered(extra: [SIPHeaderField("Session-Expires", "90;refresher=uas")])
        // §10: BYE at the interval less min(32 s, a third of it): 90 - 30 = 60 s.
        #expect(answer.contains(.startTimer(.session(.expiry), after: .seconds(60))))
        // Their refresh (an UPDATE with Session-Expires) restarts the clock, and our 200 says they refresh.
        let refresh = call.requestReceived(fromCallee("UPDATE", cseq: 2, extra: [SIPHeaderField("Session-Expires", "90;refresher=uac"),
                                                                                 SIPHeaderField("Supported", "timer")]))
        let ok = try #require(sent(refresh).first)
        #expect(ok.statusCode == 200)
        #expect(ok.header("Session-Expires") == "90;refresher=uac")
        #expect(ok.header("Require") == "timer")
        #expect(refresh.contains(.startTimer(.session(.expiry), after: .seconds(60))))
        // No refresh in time: BYE.
        let expired = call.timerFired(.session(.expiry))
        let bye = try #require(sent(expired).first)
        #expect(bye.method == "BYE")
        #expect(outcome(call.responseReceived(testResponse(to: bye, 200, "OK")))?.reason == "session expired: no refresh within 90 s (RFC 4028)")
    }

    @Test func aReinviteCanHandTheRefreshingToUs() throws {
        var (call, _, _) = try answered(extra: [SIPHeaderField("Session-Expires", "300;refresher=uas")])
        let reinvite = call.requestReceived(fromCallee("INVITE", cseq: 2, extra: [SIPHeaderField("Session-Expires", "200;refresher=uas")],
                                                       body: "v=0\r\noffer"))
        let ok = try #require(sent(reinvite).first)
        #expect(ok.header("Session-Expires") == "200;refresher=uas")
        #expect(reinvite.contains(.cancelTimer(.session(.expiry))))
        #expect(reinvite.contains(.startTimer(.session(.refresh), after: .seconds(100))))
    }

    @Test func noSessionExpiresNoTimer() throws {
        let (_, _, answer) = try answered()
        #expect(!answer.contains { if case .startTimer(.session, _) = $0 { return true } else { return false } })
    }

    @Test func sessionIntervalTooSmallIsRetriedWithTheMinimum() throws {
        var call = machine()
        let invite = try #require(sent(call.start()).first)
        // RFC 4028 §7.4: 422 with Min-SE: ask again with Session-Expires at least that.
        let retry = call.responseReceived(testResponse(to: invite, 422, "Session Interval Too Small", extra: [SIPHeaderField("Min-SE", "1800")]))
        #expect(sent(retry).map(\.method) == ["ACK", "INVITE"])
        let second = sent(retry)[1]
        #expect(second.header("Session-Expires") == "1800")
        #expect(second.header("Min-SE") == "1800")
        #expect(second.header("CSeq") == "2 INVITE")
        #expect(second.topVia?.branch != invite.topVia?.branch)
        let third = try #require(sent(call.responseReceived(testResponse(to: second, 422, "Session Interval Too Small",
                                                                           extra: [SIPHeaderField("Min-SE", "3600")]))).last)
        // A callee that keeps raising it is given up on after two tries.
        let ended = call.responseReceived(testResponse(to: third, 422, "Session Interval Too Small", extra: [SIPHeaderField("Min-SE", "7200")]))
        #expect(outcome(ended)?.reasonCode == .incompatible)
        #expect(outcome(ended)?.reason == "Session Interval Too Small; Min-SE: 7200")
    }

    @Test func sessionTimerMachine() {
        var timer = SessionTimerStateMachine()
        #expect(timer.answered(sessionExpires: nil) == [])
        #expect(timer.answered(sessionExpires: SessionExpires(deltaSeconds: 4)) == [
            .cancelTimer(.refresh), .cancelTimer(.expiry), .startTimer(.refresh, after: .seconds(2))])
        #expect(timer.timerFired(.expiry) == [])
        #expect(timer.timerFired(.refresh) == [.sendRefresh(SessionExpires(deltaSeconds: 4, refresher: .uac))])
        #expect(timer.state == .refreshing(interval: 4))
        // The callee's answer hands the refreshing to itself.
        #expect(timer.refreshAnswered(success: true, sessionExpires: SessionExpires(deltaSeconds: 6, refresher: .uas)) == [
            .cancelTimer(.refresh), .cancelTimer(.expiry), .startTimer(.expiry, after: .seconds(4))])
        #expect(timer.timerFired(.refresh) == [])
        #expect(timer.stop() == [.cancelTimer(.refresh), .cancelTimer(.expiry)])
        #expect(timer.stop() == [])
        #expect(SessionExpires(parsing: "1800 ; Refresher=UAS") == SessionExpires(deltaSeconds: 1800, refresher: .uas))
        #expect(SessionExpires(parsing: "soon") == nil)
    }

    // MARK: BYE

    @Test func ourByeChallengedIsResentWithCredentials() throws {
        var call = machine(credentials: DigestCredentials(username: "dialer", password: "secret"))
        let invite = try #require(sent(call.start()).first)
        _ = call.responseReceived(testResponse(to: invite, 200, "OK", extra: [SIPHeaderField("Contact", "<sip:callee@127.0.0.1:5090>"),
                                                                             SIPHeaderField("Record-Route", "<sip:127.0.0.1:5064;lr>")]))
        let hangUp = call.hangUp()
        #expect(hangUp.contains(.disconnected))
        let bye = try #require(sent(hangUp).first)
        let challenge = "Digest realm=\"127.0.0.1\", nonce=\"n0nce\", qop=\"auth\""
        let resent = call.responseReceived(testResponse(to: bye, 407, "Proxy Authentication Required", extra: [
            SIPHeaderField("Proxy-Authenticate", challenge)]))
        let authorized = try #require(sent(resent).first)
        #expect(authorized.method == "BYE")
        #expect(authorized.header("CSeq") == "3 BYE")
        #expect(authorized.topVia?.branch != bye.topVia?.branch)
        #expect(authorized.headerValues("Route") == ["<sip:127.0.0.1:5064;lr>"])
        #expect(resent.contains { if case .send(_, let to) = $0 { return to == SIPDestination(host: "127.0.0.1", port: 5064) } else { return false } })
        let expected = try DigestChallenge(parsing: challenge).response(
            username: "dialer", password: "secret", method: "BYE", uri: "sip:callee@127.0.0.1:5090", nonceCount: 1,
            cnonce: String(MD5.hexDigest(Array("call-1@127.0.0.1:3".utf8)).prefix(16)))
        #expect(authorized.header("Proxy-Authorization")?.contains("response=\"\(expected)\"") == true)
        #expect(outcome(resent) == nil)
        // A second challenge (not stale): the BYE is given up, the call reported as it was.
        let second = call.responseReceived(testResponse(to: authorized, 407, "Proxy Authentication Required", extra: [
            SIPHeaderField("Proxy-Authenticate", challenge)]))
        #expect(outcome(second) == CallOutcome(status: .completed, reasonCode: .dialerDisconnected))
    }

    @Test func byeChallengeWithoutCredentialsEndsTheCall() throws {
        var (call, _, _) = try answered()
        let bye = try #require(sent(call.hangUp()).first)
        let ended = call.responseReceived(testResponse(to: bye, 401, "Unauthorized", extra: [
            SIPHeaderField("WWW-Authenticate", "Digest realm=\"x\", nonce=\"y\"")]))
        #expect(outcome(ended)?.reasonCode == .dialerDisconnected)
    }

    // MARK: Redirects

    @Test func redirectIsFollowedThroughTheTrunk() throws {
        var call = machine()
        let invite = try #require(sent(call.start()).first)
        let redirect = call.responseReceived(testResponse(to: invite, 302, "Moved Temporarily", extra: [
            SIPHeaderField("Contact", "<sip:+15559990000@127.0.0.1:5062;user=phone>;q=0.9, <sip:other@127.0.0.1>")]))
        #expect(redirect.contains(.redirected(to: "sip:+15559990000@127.0.0.1:5062;user=phone")))
        #expect(sent(redirect).map(\.method) == ["ACK", "INVITE"])
        let second = sent(redirect)[1]
        #expect(second.requestURI == "sip:+15559990000@127.0.0.1:5062;user=phone")
        #expect(second.callID == invite.callID)
        #expect(second.header("From") == invite.header("From"))
        #expect(second.header("CSeq") == "2 INVITE")
        #expect(redirect.contains { if case .send(let m, let to) = $0 { return m.method == "INVITE" && to == trunk } else { return false } })
        let ok = call.responseReceived(testResponse(to: second, 200, "OK"))
        #expect(events(ok).count == 1)
        #expect(call.state == .confirmed)
    }

    @Test func directCallsFollowTheRedirectToItsHostAndLoopsAndChainsEnd() throws {
        let direct = SIPDestination(host: "127.0.0.1", port: 5062)
        var call = machine(destination: direct)
        var request = try #require(sent(call.start()).first)
        // Three hops are followed, each to the Contact's host.
        for hop in 1...3 {
            let actions = call.responseReceived(testResponse(to: request, 301, "Moved Permanently", extra: [
                SIPHeaderField("Contact", "<sip:hop\(hop)@127.0.0.\(hop + 1):50\(60 + hop)>")]))
            request = try #require(sent(actions).last)
            #expect(request.requestURI == "sip:hop\(hop)@127.0.0.\(hop + 1):50\(60 + hop)")
            #expect(actions.contains { if case .send(let m, let to) = $0 {
                return m.method == "INVITE" && to == SIPDestination(host: "127.0.0.\(hop + 1)", port: 5060 + hop) } else { return false } })
        }
        let fourth = call.responseReceived(testResponse(to: request, 302, "Moved Temporarily", extra: [
            SIPHeaderField("Contact", "<sip:hop4@127.0.0.5>")]))
        #expect(outcome(fourth) == CallOutcome(status: .failed, reasonCode: .error, sipCode: 302,
                                               reason: "more than 3 redirects; the last to sip:hop4@127.0.0.5"))

        var looping = machine(destination: direct)
        let first = try #require(sent(looping.start()).first)
        let hop = looping.responseReceived(testResponse(to: first, 302, "Moved Temporarily", extra: [SIPHeaderField("Contact", "<sip:a@127.0.0.9>")]))
        let back = looping.responseReceived(testResponse(to: try #require(sent(hop).last), 302, "Moved Temporarily", extra: [
            SIPHeaderField("Contact", "<sip:+15551234567@127.0.0.1:5062;user=phone>")]))
        #expect(outcome(back)?.reason == "redirect loop: sip:+15551234567@127.0.0.1:5062;user=phone was already tried")

        var secure = machine()
        let invite = try #require(sent(secure.start()).first)
        let refused = secure.responseReceived(testResponse(to: invite, 302, "Moved", extra: [SIPHeaderField("Contact", "<sips:a@example.com>")]))
        #expect(outcome(refused)?.reasonCode == .incompatible)
        #expect(sent(refused).map(\.method) == ["ACK"])
    }

    // MARK: Retry-After and what we cannot do

    @Test(arguments: [(480, "Temporarily Unavailable"), (486, "Busy Here"), (503, "Service Unavailable")])
    func retryAfterIsReported(code: Int, reason: String) throws {
        var call = machine()
        let invite = try #require(sent(call.start()).first)
        let ended = call.responseReceived(testResponse(to: invite, code, reason, extra: [SIPHeaderField("Retry-After", "120 (lunch);duration=60")]))
        #expect(outcome(ended)?.retryAfter == 120)
        #expect(outcome(ended)?.sipCode == code)
    }

    @Test(arguments: [
        (421, "Extension Required", SIPHeaderField("Require", "precondition"), "Extension Required; Require: precondition"),
        (415, "Unsupported Media Type", SIPHeaderField("Accept", "application/vnd.foo"), "Unsupported Media Type; Accept: application/vnd.foo"),
        (488, "Not Acceptable Here", SIPHeaderField("Warning", "304 x \"Media type not available\""),
         "Not Acceptable Here; Warning: 304 x \"Media type not available\""),
    ])
    func whatWeCannotSatisfyIsIncompatible(code: Int, reason: String, header: SIPHeaderField, expected: String) throws {
        var call = machine()
        let invite = try #require(sent(call.start()).first)
        let ended = call.responseReceived(testResponse(to: invite, code, reason, extra: [header]))
        #expect(outcome(ended) == CallOutcome(status: .failed, reasonCode: .incompatible, sipCode: code, reason: expected))
    }
}
