import Testing
@testable import Telephony

/// RFC 3261 §10.2 registration as event → action sequences (no clock: timers are actions).
@Suite struct RegistrationStateMachineTests {
    let registrar = SIPDestination(host: "127.0.0.1", port: 5080)

    func machine(credentials: DigestCredentials? = DigestCredentials(username: "dialer", password: "s3cret"),
                 expires: Int = 600) -> RegistrationStateMachine {
        RegistrationStateMachine(configuration: .init(
            registrarURI: "sip:pbx.example.com", addressOfRecord: "sip:dialer@pbx.example.com",
            contact: "sip:dialer@127.0.0.1:5070", via: "SIP/2.0/UDP 127.0.0.1:5070;rport", destination: registrar,
            credentials: credentials, expires: expires, callID: "reg-1@127.0.0.1", fromTag: "regtag",
            firstRetry: .seconds(30), maximumRetry: .seconds(600)))
    }

    func sent(_ actions: [RegistrationStateMachine.Action]) -> [SIPMessage] {
        actions.compactMap { if case .send(let message, _) = $0 { return message } else { return nil } }
    }

    func statuses(_ actions: [RegistrationStateMachine.Action]) -> [RegistrationStateMachine.Status] {
        actions.compactMap { if case .statusChanged(let status) = $0 { return status } else { return nil } }
    }

    func challenge(_ register: SIPMessage, stale: Bool = false, realm: String = "pbx.example.com") -> SIPMessage {
        testResponse(to: register, 401, "Unauthorized", toTag: "r1", extra: [
            SIPHeaderField("WWW-Authenticate", "Digest realm=\"\(realm)\", nonce=\"n\(stale ? 2 : 1)\", qop=\"auth\"" + (stale ? ", stale=TRUE" : "")),
        ])
    }

    @Test func challengedThenRegisteredThenRefreshedBeforeExpiry() throws {
        var registration = machine()
        let first = try #require(sent(registration.start()).first)
        #expect(first.method == .register)
        #expect(first.requestURI == "sip:pbx.example.com")
        #expect(first.header("To") == "<sip:dialer@pbx.example.com>")
        #expect(first.header("Contact") == "<sip:dialer@127.0.0.1:5070>")
        #expect(first.header("Expires") == "600")
        #expect(first.cseq?.number == 1)
        // §22.2: the challenge is answered with the registrar URI as digest-uri; the CSeq goes up, the Call-ID stays.
        let authorized = try #require(sent(registration.responseReceived(challenge(first))).last)
        #expect(authorized.cseq?.number == 2)
        #expect(authorized.callID == first.callID)
        let credentials = try #require(authorized.header("Authorization"))
        #expect(credentials.contains("uri=\"sip:pbx.example.com\""))
        #expect(credentials.contains("username=\"dialer\""))
        #expect(!registration.isRegistered)
        // The registrar grants 120 s in our Contact's expires parameter (it wins over Expires).
        let ok = testResponse(to: authorized, 200, "OK", toTag: "r1", extra: [
            SIPHeaderField("Contact", "<sip:dialer@127.0.0.1:5070>;expires=120"), SIPHeaderField("Expires", "600")])
        let registered = registration.responseReceived(ok)
        #expect(registration.isRegistered)
        #expect(statuses(registered) == [.registered(expires: 120)])
        #expect(registered.contains(.startTimer(.refresh, after: .seconds(88))))
        #expect(registered.contains(.startTimer(.expiry, after: .seconds(120))))
        // The refresh: a new REGISTER without the old credentials; still registered meanwhile.
        let refresh = try #require(sent(registration.timerFired(.refresh)).first)
        #expect(refresh.cseq?.number == 3)
        #expect(refresh.header("Authorization") == nil)
        #expect(registration.isRegistered)
    }

    @Test func refreshDelayLeavesRoomBeforeTheEnd() {
        #expect(RegistrationStateMachine.refreshDelay(granted: 3600) == .seconds(3568))
        #expect(RegistrationStateMachine.refreshDelay(granted: 60) == .seconds(30))
        #expect(RegistrationStateMachine.refreshDelay(granted: 4) == .seconds(2))
        #expect(RegistrationStateMachine.refreshDelay(granted: 1) == .seconds(1))
    }

    @Test func wrongCredentialsAreNotResentAndFailuresBackOff() throws {
        var registration = machine()
        let first = try #require(sent(registration.start()).first)
        let authorized = try #require(sent(registration.responseReceived(challenge(first))).last)
        // Challenged again with a fresh (not stale) nonce: the password is wrong; no second try.
        let refused = registration.responseReceived(challenge(authorized))
        #expect(sent(refused).filter { $0.method == .register }.isEmpty)
        #expect(statuses(refused) == [.failed(sipCode: 401, reason: "Unauthorized", retryIn: .seconds(30))])
        #expect(refused.contains(.startTimer(.retry, after: .seconds(30))))
        // Each failure in a row doubles the wait: 30, 60, 120 … capped at 600 s.
        var waits: [Duration] = []
        for _ in 0..<6 {
            let retry = try #require(sent(registration.timerFired(.retry)).first)
            let failure = registration.responseReceived(testResponse(to: retry, 403, "Forbidden", toTag: "r1"))
            for case .startTimer(.retry, let after) in failure { waits.append(after) }
        }
        #expect(waits == [.seconds(60), .seconds(120), .seconds(240), .seconds(480), .seconds(600), .seconds(600)])
        #expect(!registration.isRegistered)
    }

    @Test func staleNonceIsAnsweredOnceMore() throws {
        var registration = machine()
        let first = try #require(sent(registration.start()).first)
        let authorized = try #require(sent(registration.responseReceived(challenge(first))).last)
        let again = try #require(sent(registration.responseReceived(challenge(authorized, stale: true))).last)
        #expect(again.header("Authorization")?.contains("nonce=\"n2\"") == true)
    }

    @Test func anotherRealmsChallengeGetsNoCredentials() throws {
        var registration = machine(credentials: DigestCredentials(username: "dialer", password: "s3cret", realm: "pbx.example.com"))
        let first = try #require(sent(registration.start()).first)
        let actions = registration.responseReceived(challenge(first, realm: "elsewhere.example.com"))
        #expect(sent(actions).filter { $0.header("Authorization") != nil }.isEmpty)
        #expect(statuses(actions).count == 1)
    }

    @Test func intervalTooBriefIsAskedAgainWithMinExpires() throws {
        var registration = machine(expires: 30)
        let first = try #require(sent(registration.start()).first)
        let brief = testResponse(to: first, 423, "Interval Too Brief", toTag: "r1", extra: [SIPHeaderField("Min-Expires", "300")])
        let again = try #require(sent(registration.responseReceived(brief)).last)
        #expect(again.header("Expires") == "300")
    }

    @Test func noResponseFailsOnTimerFAndRetryAfterIsHonoured() throws {
        var registration = machine()
        let first = try #require(sent(registration.start()).first)
        let timedOut = registration.timerFired(.transaction(.f))
        #expect(statuses(timedOut) == [.failed(sipCode: 0, reason: "no response to REGISTER", retryIn: .seconds(30))])
        let retry = try #require(sent(registration.timerFired(.retry)).first)
        #expect(retry.cseq?.number == (first.cseq?.number ?? 0) + 1)
        let unavailable = testResponse(to: retry, 503, "Service Unavailable", toTag: "r1", extra: [SIPHeaderField("Retry-After", "900")])
        #expect(registration.responseReceived(unavailable).contains(.startTimer(.retry, after: .seconds(900))))
    }

    @Test func aFailedRefreshKeepsTheBindingUntilItExpires() throws {
        var registration = machine()
        let first = try #require(sent(registration.start()).first)
        _ = registration.responseReceived(testResponse(to: first, 200, "OK", toTag: "r1", extra: [SIPHeaderField("Expires", "60")]))
        let refresh = try #require(sent(registration.timerFired(.refresh)).first)
        _ = registration.responseReceived(testResponse(to: refresh, 500, "Server Error", toTag: "r1"))
        #expect(registration.isRegistered)
        #expect(statuses(registration.timerFired(.expiry)) == [.unregistered])
        #expect(!registration.isRegistered)
    }

    @Test func stopUnregistersWithExpiresZero() throws {
        var registration = machine()
        let first = try #require(sent(registration.start()).first)
        _ = registration.responseReceived(testResponse(to: first, 200, "OK", toTag: "r1", extra: [SIPHeaderField("Expires", "60")]))
        let stop = registration.stop()
        let unregister = try #require(sent(stop).first)
        #expect(unregister.header("Expires") == "0")
        #expect(stop.contains(.cancelTimer(.refresh)))
        #expect(!registration.isRegistered)
        #expect(registration.state == .unregistering)
        #expect(registration.timerFired(.refresh) == [])
        // The registrar challenges the removal too: answered like the registration.
        let authorized = try #require(sent(registration.responseReceived(challenge(unregister))).last)
        #expect(authorized.header("Expires") == "0")
        #expect(authorized.header("Authorization") != nil)
        let done = registration.responseReceived(testResponse(to: authorized, 200, "OK", toTag: "r1"))
        #expect(statuses(done) == [.unregistered])
        #expect(registration.state == .stopped)
    }

    @Test func stopBeforeAnyBindingSendsNothing() throws {
        var registration = machine()
        _ = registration.start()
        #expect(sent(registration.stop()).isEmpty)
        #expect(registration.state == .stopped)
    }

    @Test func overTCPNothingIsRetransmitted() throws {
        var registration = RegistrationStateMachine(configuration: .init(
            registrarURI: "sip:pbx.example.com", addressOfRecord: "sip:dialer@pbx.example.com",
            contact: "sip:dialer@127.0.0.1:5070;transport=tcp", via: "SIP/2.0/TCP 127.0.0.1:5070;rport",
            destination: SIPDestination(host: "127.0.0.1", port: 5080, transport: .tcp),
            credentials: nil, expires: 600, callID: "reg-2@127.0.0.1", fromTag: "t"))
        let start = registration.start()
        #expect(!start.contains { if case .startTimer(.transaction(.e), _) = $0 { return true } else { return false } })
        #expect(registration.transportFailed().contains { if case .statusChanged(.failed(0, _, _)) = $0 { return true } else { return false } })
    }
}

extension RegistrationStateMachineTests {
    @Test func overTCPTheAnswerToAChallengeIsStillMatched() throws {
        // On TCP a final response ends its transaction at once (Timer K is zero): the REGISTER
        // answering the challenge must still be the one its 200 is matched against.
        var registration = RegistrationStateMachine(configuration: .init(
            registrarURI: "sip:pbx.example.com", addressOfRecord: "sip:dialer@pbx.example.com",
            contact: "sip:dialer@127.0.0.1:5070;transport=tcp", via: "SIP/2.0/TCP 127.0.0.1:5070;rport",
            destination: SIPDestination(host: "127.0.0.1", port: 5080, transport: .tcp),
            credentials: DigestCredentials(username: "dialer", password: "s3cret"), expires: 600, callID: "reg-3@127.0.0.1", fromTag: "t"))
        let first = try #require(sent(registration.start()).first)
        let authorized = try #require(sent(registration.responseReceived(challenge(first))).last)
        let ok = registration.responseReceived(testResponse(to: authorized, 200, "OK", toTag: "r1", extra: [SIPHeaderField("Expires", "600")]))
        #expect(statuses(ok) == [.registered(expires: 600)])
        #expect(registration.isRegistered)
    }
}
