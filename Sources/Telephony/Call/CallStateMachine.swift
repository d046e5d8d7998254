

/// One outbound call (RFC 3261 UAC core and dialog, §8, §12, §13, §15), as a value: events in,
/// actions out. It owns the call's client transactions; the `OutboundCall` actor carries the
/// actions out (sends datagrams, runs timers, publishes events).
public struct CallStateMachine: Sendable {
    public struct Configuration: Sendable {
        /// The initial INVITE, complete: Via with branch, From with tag, Call-ID, CSeq, SDP offer.
        public var invite: SIPMessage
        /// Where the INVITE goes (the trunk, or the target's host).
        public var destination: SIPDestination
        public var credentials: DigestCredentials?
        /// Our Contact header value.
        public var contact: String
        public var answerTimeout: Duration
        public var maxCallDuration: Duration
        public var timing: SIPTiming

        public init(
            invite: SIPMessage, destination: SIPDestination, credentials: DigestCredentials? = nil, contact: String,
            answerTimeout: Duration, maxCallDuration: Duration, timing: SIPTiming = .standard
        ) {
            self.invite = invite
            self.destination = destination
            self.credentials = credentials
            self.contact = contact
            self.answerTimeout = answerTimeout
            self.maxCallDuration = maxCallDuration
            self.timing = timing
        }
    }

    public struct TransactionKey: Sendable, Hashable {
        public var branch: String
        public var method: SIPMethod
    }

    public enum Timer: Sendable, Hashable {
        case transaction(TransactionKey, SIPTimer)
        case answerTimeout
        case maxDuration
        /// 64·T1 after our CANCEL: an INVITE still without a final response is given up (§9.1).
        case cancelGuard
        /// RFC 4028 session timers.
        case session(SessionTimerStateMachine.Timer)
    }

    public enum Action: Sendable, Equatable {
        case send(SIPMessage, to: SIPDestination)
        case startTimer(Timer, after: Duration)
        case cancelTimer(Timer)
        case event(CallEvent)
        /// The callee pressed a key, sent in a SIP INFO (RFC 4733 digits come with the media instead).
        case digitReceived(Character)
        /// The conversation is over from here on (we sent our BYE, or got the callee's): the call's
        /// duration ends now, whenever the BYE's transaction does.
        case disconnected
        /// A 3xx sent the INVITE on to this URI (RFC 3261 §8.1.3.4).
        case redirected(to: String)
        /// How our REFER went (RFC 3515): refused (its final response, or a failure in the NOTIFY's
        /// sipfrag), or taken (a 2xx sipfrag). A 202 with 1xx NOTIFYs reports nothing yet.
        case transfer(accepted: Bool, sipCode: Int)
        /// The far end's new offer says whether it sends media (RFC 3264 §8.4: hold is `sendonly`
        /// from them, `inactive` both ways): the media stops expecting RTP while it does not.
        case remoteSends(Bool)
        /// The call is over; report this outcome. Comes once.
        case ended(CallOutcome)
    }

    public enum State: Sendable, Equatable {
        case idle
        /// INVITE sent, no provisional response yet.
        case inviting
        /// A provisional response arrived.
        case early
        /// CANCEL sent, waiting for the INVITE's final response.
        case cancelling
        case confirmed
        /// BYE sent.
        case terminating
        case ended
    }

    public private(set) var state: State = .idle
    private let configuration: Configuration
    private var invite: SIPMessage
    private var transactions: [TransactionKey: ClientTransactionStateMachine] = [:]
    private var branchCounter = 0
    private var localCSeq: UInt32
    /// Set by the answer timer or `hangUp` before any provisional: CANCEL as soon as one arrives (§9.1).
    private var cancelWhenProvisional = false
    private var authAttempts = 0
    private var nonceCount: UInt32 = 0
    private var sentTrying = false, sentRinging = false, sentEarlyMedia = false
    /// The outcome a BYE we sent will end the call with.
    private var byeOutcome: CallOutcome?
    // Dialog state (RFC 3261 §12.1.2), from the 2xx.
    private var remoteTag: String?
    private var remoteTarget: String?
    private var routeSet: [String] = []
    private var acceptedInviteCSeq: UInt32?
    private var ackFor2xx: (SIPMessage, SIPDestination)?
    /// Where the INVITE goes: the configured destination, or where a redirect sent it.
    private var inviteDestination: SIPDestination
    /// The SDP of a provisional response (early media), used when the 2xx carries none (§13.2.1).
    private var earlySDP: String?
    /// RFC 3262: which reliable provisional responses were acknowledged.
    private var reliableProvisionals = ReliableProvisionalStateMachine()
    /// RFC 4028, once answered.
    private var sessionTimer = SessionTimerStateMachine()
    /// The URIs a 3xx sent the INVITE to, in order (§8.1.3.4); the original Request-URI is not among them.
    private var redirects: [String] = []
    private var sessionIntervalRetries = 0
    /// Our REFER runs: its NOTIFYs are expected.
    private var referring = false
    /// The direction our last SDP answer gave, and the `o=` version it had (RFC 3264 §8: a changed
    /// session gets the next version).
    private var answeredDirection = SDPDirection.sendrecv
    private var sdpVersionBump: UInt64 = 0

    /// Our offer, answered in `direction`: a changed direction gets the next `o=` version.
    private mutating func answerSDP(direction: SDPDirection) -> [UInt8] {
        if direction != answeredDirection {
            answeredDirection = direction
            sdpVersionBump += 1
        }
        guard sdpVersionBump > 0 else { return invite.body }
        var lines = String(decoding: invite.body, as: UTF8.self).components(separatedBy: "\r\n")
        for index in lines.indices {
            if lines[index].hasPrefix("o=") {
                var fields = lines[index].split(separator: " ").map(String.init)
                if fields.count >= 3, let version = UInt64(fields[2]) { fields[2] = String(version &+ sdpVersionBump) }
                lines[index] = fields.joined(separator: " ")
            } else if SDPDirection(rawValue: String(lines[index].dropFirst(2))) != nil, lines[index].hasPrefix("a=") {
                lines[index] = "a=" + direction.rawValue
            }
        }
        return Array(lines.joined(separator: "\r\n").utf8)
    }
    /// Our BYE as last sent, and how often it was resent with credentials.
    private var bye: SIPMessage?
    private var byeAuthAttempts = 0
    /// Whether the far end takes UPDATE (its 2xx's Allow lists it, or has no Allow): our session
    /// refresh is an UPDATE if so, else a re-INVITE (RFC 4028 §7.4).
    private var remoteAllowsUpdate = true
    /// Our re-INVITE refreshing the session, while it runs, and the ACK for its 2xx (resent if the
    /// 2xx is retransmitted, §13.2.2.4).
    private var refreshInvite: TransactionKey?
    private var refreshAck: (cseq: UInt32, ack: SIPMessage, to: SIPDestination)?

    /// At most this many redirects are followed for one call.
    public static let maximumRedirects = 3

    public init(configuration: Configuration) {
        self.configuration = configuration
        self.invite = configuration.invite
        self.localCSeq = configuration.invite.cseq?.number ?? 1
        self.inviteDestination = configuration.destination
    }

    public var callID: String { invite.callID ?? "" }

    // MARK: Events

    public mutating func start() -> [Action] {
        guard state == .idle else { return [] }
        state = .inviting
        return startTransaction(invite, to: inviteDestination)
            + [.event(.inviteSent(sipCallID: callID)), .startTimer(.answerTimeout, after: configuration.answerTimeout)]
    }

    public mutating func responseReceived(_ response: SIPMessage) -> [Action] {
        guard state != .ended, response.callID == callID, let cseq = response.cseq, let branch = response.topVia?.branch else { return [] }
        let key = TransactionKey(branch: branch, method: cseq.method)
        guard var transaction = transactions[key] else {
            // §13.2.2.4: a retransmitted 2xx after its transaction ended gets the same ACK again.
            if cseq.method == .invite, let code = response.statusCode, (200..<300).contains(code),
               cseq.number == acceptedInviteCSeq, let (ack, destination) = ackFor2xx {
                return [.send(ack, to: destination)]
            }
            if cseq.method == .invite, let code = response.statusCode, (200..<300).contains(code),
               let refreshAck, cseq.number == refreshAck.cseq {
                return [.send(refreshAck.ack, to: refreshAck.to)]
            }
            return []
        }
        let actions = transaction.responseReceived(response)
        transactions[key] = transaction
        return handle(actions, of: key)
    }

    public mutating func timerFired(_ timer: Timer) -> [Action] {
        switch timer {
        case .transaction(let key, let sipTimer):
            guard var transaction = transactions[key] else { return [] }
            let actions = transaction.timerFired(sipTimer)
            transactions[key] = transaction
            return handle(actions, of: key)
        case .answerTimeout:
            return cancelNowOrAfterProvisional()
        case .maxDuration:
            guard state == .confirmed else { return [] }
            return sendBye(outcome: CallOutcome(status: .completed, reasonCode: .maxDuration, reason: "maxCallDurationSec reached"))
        case .cancelGuard:
            // The callee neither answered our CANCEL's INVITE with a 487 nor with anything else: an
            // INVITE transaction past its provisional has no timer of its own, so without this the
            // call would wait for ever (RFC 3261 §9.1: the transaction is destroyed after 64·T1).
            guard state == .cancelling else { return [] }
            return endCall(CallOutcome(status: .failed, reasonCode: .noAnswer,
                                       reason: "no final response to the INVITE within 64×T1 of our CANCEL"))
        case .session(let sessionTimer):
            return perform(self.sessionTimer.timerFired(sessionTimer))
        }
    }

    /// The connection to `destination` failed or dropped (RFC 3261 §18.4): every transaction sent
    /// there ends as if it had timed out (§17.1.1.2, §17.1.2.2), with `reason` as the outcome's
    /// reason. Transactions sent elsewhere go on; the next request to `destination` reconnects.
    public mutating func transportFailed(to destination: SIPDestination, reason: String) -> [Action] {
        guard state != .ended else { return [] }
        var out: [Action] = []
        let failed = destinations.filter { $0.value == destination }.map(\.key)
            .sorted { $0.branch + $0.method.rawValue < $1.branch + $1.method.rawValue }
        for key in failed {
            guard var transaction = transactions[key] else { continue }
            transportFailure = reason
            let actions = transaction.transportFailed()
            transactions[key] = transaction
            out += handle(actions, of: key)
            transportFailure = nil
        }
        return out
    }

    /// The dialer wants the call over: CANCEL before answer, BYE after. An answered call hung up as
    /// `invalid-number` (a carrier's SIT intercept answered it) is a failed call, not a completed one
    /// (DESIGN.md "Outcomes").
    public mutating func hangUp(_ reasonCode: CallOutcome.ReasonCode = .dialerDisconnected) -> [Action] {
        guard state == .confirmed else { return cancelNowOrAfterProvisional() }
        return sendBye(outcome: CallOutcome(status: reasonCode == .invalidNumber ? .failed : .completed, reasonCode: reasonCode))
    }

    /// §9.1: a CANCEL may only follow a provisional response; before one, it waits for it.
    private mutating func cancelNowOrAfterProvisional() -> [Action] {
        switch state {
        case .inviting:
            cancelWhenProvisional = true
            return []
        case .early:
            return sendCancel()
        case .idle, .cancelling, .confirmed, .terminating, .ended:
            return []
        }
    }

    /// A request from the network for this call (same Call-ID).
    public mutating func requestReceived(_ request: SIPMessage) -> [Action] {
        guard let method = request.method, let destination = responseDestination(for: request) else { return [] }
        let inDialog = remoteTag != nil && request.from?.tag == remoteTag && request.to?.tag == invite.from?.tag
        switch method {
        case .ack:
            return []
        case .bye where inDialog && (state == .confirmed || state == .terminating):
            var actions: [Action] = [.send(Self.response(to: request, code: 200, reason: "OK"), to: destination)]
            if state == .confirmed { actions.append(.disconnected) }
            actions += endCall(CallOutcome(status: .completed, reasonCode: .clientDisconnected, reason: "callee hung up"))
            return actions
        case .options:
            return [.send(SIPCapabilities.optionsResponse(to: request), to: destination)]
        case .invite where inDialog && state == .confirmed:
            // A re-INVITE (session refresh or hold): accept it with our unchanged offer.
            return sessionRefreshReceived(request, to: destination, answerWithSDP: true)
        case .update where inDialog && (state == .early || state == .confirmed):
            // RFC 3311: a session refresh, or a new offer (answered with our unchanged session).
            return sessionRefreshReceived(request, to: destination, answerWithSDP: !request.body.isEmpty)
        case .notify where inDialog && (state == .confirmed || state == .terminating) && referring:
            // RFC 3515 §2.4.5: the progress of the call our REFER asked for, as a sipfrag status line.
            var actions: [Action] = [.send(Self.response(to: request, code: 200, reason: "OK"), to: destination)]
            let line = String(decoding: request.body.prefix(200), as: UTF8.self).split(whereSeparator: \.isNewline).first ?? ""
            let parts = line.split(separator: " ")
            if parts.count >= 2, parts[0].hasPrefix("SIP/"), let code = Int(parts[1]), code >= 200, state == .confirmed {
                referring = false
                actions.append(.transfer(accepted: (200..<300).contains(code), sipCode: code))
            }
            return actions
        case .info where inDialog && (state == .confirmed || state == .terminating):
            // RFC 6086: the only INFO packages a callee sends a dialer are key presses.
            var actions: [Action] = [.send(Self.response(to: request, code: 200, reason: "OK"), to: destination)]
            if state == .confirmed, let digit = DTMFInfoBody.digit(contentType: request.header("Content-Type"), body: request.body) {
                actions.append(.digitReceived(digit))
            }
            return actions
        default:
            return [.send(Self.response(to: request, code: 481, reason: "Call/Transaction Does Not Exist"), to: destination)]
        }
    }

    /// The far end's re-INVITE or UPDATE: a 2xx with our Contact (and our SDP when it made an
    /// offer); a `Session-Expires` in it refreshes the session timer (RFC 4028 §9).
    private mutating func sessionRefreshReceived(_ request: SIPMessage, to destination: SIPDestination, answerWithSDP: Bool) -> [Action] {
        var ok = Self.response(to: request, code: 200, reason: "OK")
        ok.addHeader("Contact", configuration.contact)
        var actions: [Action] = []
        if state == .confirmed {
            let (sessionExpires, timerActions) = sessionTimer.refreshReceived(
                sessionExpires: request.header("Session-Expires").flatMap(SessionExpires.init(parsing:)))
            if let sessionExpires {
                ok.addHeader("Session-Expires", sessionExpires.description)
                ok.addHeader("Require", "timer")
            }
            actions = perform(timerActions)
        }
        if answerWithSDP {
            ok.addHeader("Content-Type", "application/sdp")
            let offered = SDPDirection(offer: request.body)
            ok.body = answerSDP(direction: offered.answer)
            actions.append(.remoteSends(offered.remoteSends))
        }
        return [.send(ok, to: destination)] + actions
    }

    // MARK: Transactions

    private mutating func startTransaction(_ request: SIPMessage, to destination: SIPDestination) -> [Action] {
        var transaction = ClientTransactionStateMachine(request: request, timing: configuration.timing,
                                                        reliable: destination.transport.isReliable)
        let key = TransactionKey(branch: transaction.branch, method: request.method ?? .extension(""))
        let actions = transaction.start()
        transactions[key] = transaction
        destinations[key] = destination
        return handle(actions, of: key)
    }

    private var destinations: [TransactionKey: SIPDestination] = [:]
    /// While a transport failure is handled: why, for the outcome it brings.
    private var transportFailure: String?

    private mutating func handle(_ actions: [ClientTransactionStateMachine.Action], of key: TransactionKey) -> [Action] {
        var out: [Action] = []
        for action in actions {
            switch action {
            case .send(let message):
                out.append(.send(message, to: destinations[key] ?? configuration.destination))
            case .startTimer(let timer, let after):
                out.append(.startTimer(.transaction(key, timer), after: after))
            case .cancelTimer(let timer):
                out.append(.cancelTimer(.transaction(key, timer)))
            case .passResponse(let response):
                if key == refreshInvite {
                    out += refreshInviteResponse(response)
                } else {
                    out += key.method == .invite ? inviteResponse(response) : nonInviteResponse(response, key: key)
                }
            case .timedOut:
                out += transactionTimedOut(key)
            case .terminated:
                transactions[key] = nil
                destinations[key] = nil
            }
        }
        return out
    }

    private mutating func inviteResponse(_ response: SIPMessage) -> [Action] {
        guard let code = response.statusCode, response.cseq?.number == invite.cseq?.number else { return [] }
        var actions: [Action] = []
        if code >= 200 { reliableProvisionals.finalResponseReceived() }
        switch code {
        case 100..<200:
            var rack: String?
            if code > 100 {
                // RFC 3262 §4: a reliable provisional is PRACKed once; its retransmissions are dropped.
                let rseq = Self.hasOptionTag("100rel", in: response, header: "Require")
                    ? response.header("RSeq").flatMap { UInt32($0.trimmingSIPWhitespace()) } : nil
                for action in reliableProvisionals.provisionalReceived(rseq: rseq, cseq: response.cseq?.number ?? 0) {
                    switch action {
                    case .discard: return []
                    case .pass: break
                    case .sendPRACK(let value): rack = value
                    }
                }
                if !response.body.isEmpty { earlySDP = String(decoding: response.body, as: UTF8.self) }
                if rack != nil, let tag = response.to?.tag {
                    // The early dialog the PRACK belongs to (RFC 3262 §4, RFC 3261 §12.1.2).
                    setDialog(from: response, tag: tag)
                }
            }
            if code == 100, !sentTrying {
                sentTrying = true
                actions.append(.event(.trying))
            } else if code == 183, !sentEarlyMedia {
                sentEarlyMedia = true
                actions.append(.event(.earlyMedia))
            } else if code != 100, code != 183, !sentRinging {
                sentRinging = true
                actions.append(.event(.ringing))
            }
            if state == .inviting {
                state = .early
                if cancelWhenProvisional { actions += sendCancel() }
            }
            if let rack { actions += sendPRACK(rack: rack) }
        case 200..<300:
            actions += establishDialog(response)
        case 401, 407:
            if state != .cancelling, let retry = authorized(invite, challenge: response, attempts: \.authAttempts) {
                actions += resendInvite(retry, to: inviteDestination)
            } else {
                actions += endCall(CallOutcome(status: .failed, reasonCode: .error, sipCode: code, reason: authFailureReason(response)))
            }
        case 422:
            // RFC 4028 §7.4: our session interval is below the callee's minimum; ask again with its Min-SE.
            if state != .cancelling, sessionIntervalRetries < 2,
               let minimum = response.header("Min-SE").flatMap(SessionExpires.init(parsing:))?.deltaSeconds {
                sessionIntervalRetries += 1
                var retry = invite
                retry.setHeader("Session-Expires", String(minimum))
                retry.setHeader("Min-SE", String(minimum))
                actions += resendInvite(retry, to: inviteDestination)
            } else {
                actions += endCall(failure(response))
            }
        case 300..<400:
            actions += redirect(response)
        default:
            actions += endCall(failure(response))
        }
        return actions
    }

    /// The outcome of a final failure response, with what the callee said it wants (when we cannot
    /// give it, `incompatible`) and when it may be tried again (`Retry-After`).
    private func failure(_ response: SIPMessage) -> CallOutcome {
        var outcome = CallOutcome.failed(sipCode: response.statusCode ?? 0, reason: response.reasonPhrase)
        if outcome.reasonCode == .incompatible {
            let wanted = ["Require", "Unsupported", "Accept", "Min-SE", "Warning"].compactMap { name in
                response.header(name).map { "\(name): \($0)" }
            }
            if !wanted.isEmpty { outcome.reason = ([response.reasonPhrase ?? ""] + wanted).joined(separator: "; ") }
        }
        // RFC 3261 §20.33: `Retry-After: 120 (comment);duration=…`: the seconds come first.
        if let value = response.header("Retry-After") {
            let digits = value.trimmingSIPWhitespace().prefix { $0.isASCII && $0.isNumber }
            outcome.retryAfter = Int(digits)
        }
        return outcome
    }

    /// RFC 3261 §8.1.3.4: a 3xx names where to send the INVITE instead (its first Contact). We follow
    /// at most `maximumRedirects` of them and never go back to a URI already tried.
    private mutating func redirect(_ response: SIPMessage) -> [Action] {
        let code = response.statusCode ?? 300
        guard state != .cancelling else { return endCall(failure(response)) }
        guard let contact = response.header("Contact").flatMap({ SIPMessage.firstListElement($0) }),
              let target = (try? NameAddress(parsing: contact))?.uri, let uri = try? SIPURI(parsing: target) else {
            return endCall(CallOutcome(status: .failed, reasonCode: .error, sipCode: code, reason: "redirect without a usable Contact"))
        }
        guard !uri.secure else {
            return endCall(CallOutcome(status: .failed, reasonCode: .incompatible, sipCode: code,
                                       reason: "redirected to \(target): sips: needs TLS, which campaignd does not have"))
        }
        let tried = [configuration.invite.requestURI ?? ""] + redirects
        guard !tried.contains(where: { Self.sameTarget($0, target) }) else {
            return endCall(CallOutcome(status: .failed, reasonCode: .error, sipCode: code, reason: "redirect loop: \(target) was already tried"))
        }
        guard redirects.count < Self.maximumRedirects else {
            return endCall(CallOutcome(status: .failed, reasonCode: .error, sipCode: code,
                                       reason: "more than \(Self.maximumRedirects) redirects; the last to \(target)"))
        }
        redirects.append(target)
        var retry = invite
        retry.startLine = .request(method: .invite, uri: target)
        retry.removeHeader("Authorization")
        retry.removeHeader("Proxy-Authorization")
        authAttempts = 0
        // Behind a trunk the new INVITE goes to the trunk too (it routes the new Request-URI); a
        // call placed straight to a URI goes to the new URI's host.
        let direct = configuration.destination == SIPDestination(uri: configuration.invite.requestURI ?? "")
        let destination = direct ? SIPDestination(host: uri.host, port: uri.port ?? 5060) : configuration.destination
        return [.redirected(to: target)] + resendInvite(retry, to: destination)
    }

    /// Whether two URIs name the same target, ignoring case of the scheme and host and parameters' order.
    private static func sameTarget(_ a: String, _ b: String) -> Bool {
        guard let x = try? SIPURI(parsing: a), let y = try? SIPURI(parsing: b) else { return a == b }
        return x.user == y.user && x.host == y.host && (x.port ?? 5060) == (y.port ?? 5060)
    }

    /// A new INVITE transaction in place of the last one (after a challenge, a 422 or a redirect):
    /// next CSeq, new branch, no early dialog.
    private mutating func resendInvite(_ request: SIPMessage, to destination: SIPDestination) -> [Action] {
        localCSeq += 1
        var retry = request
        retry.setHeader("CSeq", "\(localCSeq) INVITE")
        retry = withNewBranch(retry)
        invite = retry
        inviteDestination = destination
        reliableProvisionals.inviteReplaced()
        remoteTag = nil
        remoteTarget = nil
        routeSet = []
        dialogHeaders = nil
        earlySDP = nil
        if state == .early { state = .inviting }
        return startTransaction(retry, to: destination)
    }

    /// Whether `header` of `message` lists option tag `tag` (RFC 3261 §19.2), in any case.
    static func hasOptionTag(_ tag: String, in message: SIPMessage, header: String) -> Bool {
        message.headerValues(header).contains { $0.trimmingSIPWhitespace().lowercased() == tag }
    }

    private func authFailureReason(_ response: SIPMessage) -> String {
        configuration.credentials == nil
            ? "authentication required but the trunk has no credentials"
            : "credentials rejected (\(response.reasonPhrase ?? ""))"
    }

    /// §22.2: `request` again with credentials for `response`'s challenge (without its CSeq and
    /// branch, which the caller sets); one try, plus one more if the server says the nonce was
    /// stale. Nil when there is nothing (more) to answer with.
    private mutating func authorized(_ request: SIPMessage, challenge response: SIPMessage,
                                     attempts: WritableKeyPath<CallStateMachine, Int>) -> SIPMessage? {
        guard let credentials = configuration.credentials else { return nil }
        let proxy = response.statusCode == 407
        guard let challengeText = response.header(proxy ? "Proxy-Authenticate" : "WWW-Authenticate"),
              let challenge = try? DigestChallenge(parsing: challengeText) else { return nil }
        if let realm = credentials.realm, realm != challenge.realm { return nil }
        guard self[keyPath: attempts] == 0 || (challenge.stale && self[keyPath: attempts] < 2) else { return nil }
        self[keyPath: attempts] += 1
        nonceCount += 1
        var retry = request
        retry.removeHeader("Authorization")
        retry.removeHeader("Proxy-Authorization")
        let uri = retry.requestURI ?? ""
        let method = (retry.method ?? .invite).rawValue
        let cnonce = String(MD5.hexDigest(Array("\(callID):\(localCSeq + 1)".utf8)).prefix(16))
        retry.addHeader(proxy ? "Proxy-Authorization" : "Authorization", challenge.authorization(
            username: credentials.username, password: credentials.password, method: method, uri: uri,
            nonceCount: nonceCount, cnonce: cnonce))
        return retry
    }

    /// The dialog's remote tag, target and route set from `response` (§12.1.2): a reliable
    /// provisional's early dialog, then the 2xx's confirmed one.
    private mutating func setDialog(from response: SIPMessage, tag: String?) {
        remoteTag = tag
        remoteTarget = response.header("Contact").flatMap { try? NameAddress(parsing: SIPMessage.firstListElement($0) ?? "") }?.uri
            ?? invite.requestURI
        routeSet = response.headerValues("Record-Route").reversed()
        dialogHeaders = nil
    }

    private mutating func establishDialog(_ response: SIPMessage) -> [Action] {
        setDialog(from: response, tag: response.to?.tag)
        let allowed = response.headerValues("Allow")
        remoteAllowsUpdate = allowed.isEmpty || allowed.contains { SIPMethod(rawValue: $0.trimmingSIPWhitespace()) == .update }
        acceptedInviteCSeq = invite.cseq?.number
        var ack = inDialogRequest(.ack, cseq: invite.cseq?.number ?? 1)
        for header in ["Authorization", "Proxy-Authorization"] {
            if let value = invite.header(header) { ack.addHeader(header, value) }
        }
        let destination = dialogDestination()
        ackFor2xx = (ack, destination)
        var actions: [Action] = [.send(ack, to: destination), .cancelTimer(.answerTimeout)]
        // §13.2.1: an offer answered in a provisional response is not answered again in the 2xx.
        let sdp = response.body.isEmpty ? earlySDP ?? "" : String(decoding: response.body, as: UTF8.self)
        if state == .cancelling || cancelWhenProvisional {
            // §9.1: the 200 crossed our CANCEL; the call is up, so end it with a BYE.
            state = .confirmed
            actions.append(.event(.answered(remoteSDP: sdp)))
            actions += sendBye(outcome: CallOutcome(status: .completed, reasonCode: .dialerDisconnected, sipCode: 200,
                                                    reason: "answered as the call was being cancelled"))
            return actions
        }
        state = .confirmed
        actions.append(.event(.answered(remoteSDP: sdp)))
        actions.append(.startTimer(.maxDuration, after: configuration.maxCallDuration))
        actions += perform(sessionTimer.answered(sessionExpires: response.header("Session-Expires").flatMap(SessionExpires.init(parsing:))))
        return actions
    }

    /// Carries out the session timer's actions.
    private mutating func perform(_ timerActions: [SessionTimerStateMachine.Action]) -> [Action] {
        var actions: [Action] = []
        for action in timerActions {
            switch action {
            case .startTimer(let timer, let after):
                actions.append(.startTimer(.session(timer), after: after))
            case .cancelTimer(let timer):
                actions.append(.cancelTimer(.session(timer)))
            case .sendRefresh(let sessionExpires):
                actions += sendRefresh(sessionExpires)
            case .hangUp(let reason):
                actions += sendBye(outcome: CallOutcome(status: .completed, reasonCode: .error, reason: reason))
            }
        }
        return actions
    }

    private mutating func nonInviteResponse(_ response: SIPMessage, key: TransactionKey) -> [Action] {
        guard let code = response.statusCode, code >= 200 else { return [] }
        switch key.method {
        case .refer:
            // 202 Accepted: NOTIFYs follow. A refusal ends the transfer here.
            guard code >= 300, referring else { return [] }
            referring = false
            return [.transfer(accepted: false, sipCode: code)]
        case .bye:
            // A proxy may challenge the BYE as it did the INVITE: answer it the same way (§22.2).
            if code == 401 || code == 407, let bye, bye.topVia?.branch == key.branch,
               var retry = authorized(bye, challenge: response, attempts: \.byeAuthAttempts) {
                localCSeq += 1
                retry.setHeader("CSeq", "\(localCSeq) \(SIPMethod.bye)")
                retry = withNewBranch(retry)
                self.bye = retry
                return startTransaction(retry, to: destinations[key] ?? dialogDestination())
            }
            return endCall(byeOutcome ?? CallOutcome(status: .completed, reasonCode: .dialerDisconnected))
        case .update:
            return perform(sessionTimer.refreshAnswered(
                success: (200..<300).contains(code), sessionExpires: response.header("Session-Expires").flatMap(SessionExpires.init(parsing:))))
        default:
            return []  // CANCEL's own 200: the INVITE's 487 decides the outcome; PRACK's answer changes nothing
        }
    }

    private mutating func transactionTimedOut(_ key: TransactionKey) -> [Action] {
        switch key.method {
        case .invite where state == .inviting:
            return endCall(CallOutcome(status: .failed, reasonCode: .error, reason: transportFailure ?? "no response to INVITE (Timer B)"))
        case .invite where transportFailure != nil && (state == .early || state == .cancelling):
            // The connection carrying the INVITE is gone: its final response can never arrive.
            return endCall(CallOutcome(status: .failed, reasonCode: .error, reason: transportFailure))
        case .cancel:
            return endCall(CallOutcome(status: .failed, reasonCode: .noAnswer, reason: "no response to CANCEL"))
        case .bye:
            return endCall(byeOutcome ?? CallOutcome(status: .completed, reasonCode: .dialerDisconnected, reason: "no response to BYE"))
        case .update:
            return perform(sessionTimer.refreshAnswered(success: false, sessionExpires: nil))
        case .refer where referring:
            referring = false
            return [.transfer(accepted: false, sipCode: 408)]
        case .invite where key == refreshInvite:
            refreshInvite = nil
            return perform(sessionTimer.refreshAnswered(success: false, sessionExpires: nil))
        default:
            return []
        }
    }

    // MARK: Requests we send

    private mutating func sendCancel() -> [Action] {
        guard state == .early else { return [] }
        state = .cancelling
        // §9.1: same Request-URI, Call-ID, From, To, CSeq number and top Via as the INVITE.
        let cancel = ClientTransactionStateMachine.sameTransactionRequest(.cancel, as: invite)
        return [.cancelTimer(.answerTimeout), .startTimer(.cancelGuard, after: configuration.timing.transactionTimeout)]
            + startTransaction(cancel, to: inviteDestination)
    }

    private mutating func sendBye(outcome: CallOutcome) -> [Action] {
        guard state == .confirmed else { return [] }
        state = .terminating
        byeOutcome = outcome
        localCSeq += 1
        let bye = inDialogRequest(.bye, cseq: localCSeq)
        self.bye = bye
        // The route set and remote target are fixed when the dialog is set up (we never refresh them).
        return [.cancelTimer(.maxDuration), .disconnected] + perform(sessionTimer.stop())
            + startTransaction(bye, to: ackFor2xx?.1 ?? dialogDestination())
    }

    /// RFC 3515: asks the callee's side to call `target` itself (Refer-To, with Referred-By: us).
    /// A phone number is referred as a `tel`-style SIP URI on the host the call went to. What the
    /// far end does with it comes back as `.transfer`.
    public mutating func refer(to target: String, headers: [(name: String, value: String)]) -> [Action] {
        guard state == .confirmed, !referring else { return [.transfer(accepted: false, sipCode: 0)] }
        referring = true
        localCSeq += 1
        var refer = inDialogRequest(.refer, cseq: localCSeq)
        let uri: String
        if target.lowercased().hasPrefix("sip:") {
            uri = target
        } else {
            let host = invite.requestURI.flatMap { try? SIPURI(parsing: $0) }.map { SIPURI.hostReference($0.host) } ?? "invalid"
            uri = "sip:\(target)@\(host);user=phone"
        }
        refer.addHeader("Refer-To", "<\(uri)>")
        if let from = invite.from { refer.addHeader("Referred-By", "<\(from.uri)>") }
        refer.addHeader("Contact", configuration.contact)
        for header in headers { refer.addHeader(header.name, header.value) }
        return startTransaction(refer, to: ackFor2xx?.1 ?? dialogDestination())
    }

    /// RFC 3262 §7.1: the PRACK for a reliable provisional response, inside its early dialog.
    private mutating func sendPRACK(rack: String) -> [Action] {
        localCSeq += 1
        var prack = inDialogRequest(.prack, cseq: localCSeq)
        prack.addHeader("RAck", rack)
        for header in ["Authorization", "Proxy-Authorization"] {
            if let value = invite.header(header) { prack.addHeader(header, value) }
        }
        return startTransaction(prack, to: dialogDestination())
    }

    /// RFC 4028 §7.4 and §10: our session refresh, an UPDATE without a body (RFC 3311 §5.1), or a
    /// re-INVITE with our unchanged session when the far end does not allow UPDATE.
    private mutating func sendRefresh(_ sessionExpires: SessionExpires) -> [Action] {
        guard state == .confirmed else { return [] }
        localCSeq += 1
        var refresh = inDialogRequest(remoteAllowsUpdate ? .update : .invite, cseq: localCSeq)
        refresh.addHeader("Contact", configuration.contact)
        refresh.addHeader("Session-Expires", sessionExpires.description)
        refresh.addHeader("Supported", "timer")
        if !remoteAllowsUpdate {
            refresh.addHeader("Content-Type", "application/sdp")
            refresh.body = invite.body
            refreshInvite = TransactionKey(branch: refresh.topVia?.branch ?? "", method: .invite)
        }
        return startTransaction(refresh, to: ackFor2xx?.1 ?? dialogDestination())
    }

    /// The answer to our refreshing re-INVITE: a 2xx is ACKed by us (§13.2.2.4), a failure by its
    /// transaction; either tells the session timer how the refresh went.
    private mutating func refreshInviteResponse(_ response: SIPMessage) -> [Action] {
        guard let code = response.statusCode, code >= 200 else { return [] }
        refreshInvite = nil
        var actions: [Action] = []
        if (200..<300).contains(code), let cseq = response.cseq?.number {
            let ack = inDialogRequest(.ack, cseq: cseq)
            let destination = ackFor2xx?.1 ?? dialogDestination()
            refreshAck = (cseq, ack, destination)
            actions.append(.send(ack, to: destination))
        }
        return actions + perform(sessionTimer.refreshAnswered(
            success: (200..<300).contains(code), sessionExpires: response.header("Session-Expires").flatMap(SessionExpires.init(parsing:))))
    }

    /// What every request of the established dialog repeats, worked out once (the ACK and the BYE
    /// both need it, and it costs several parses).
    private struct DialogHeaders {
        var requestURI: String
        var routes: [String]
        var via: String?
        var from: String?
        var to: String
    }

    private var dialogHeaders: DialogHeaders?

    /// A request within the dialog (§12.2.1.1), with a fresh branch and the route set.
    private mutating func inDialogRequest(_ method: SIPMethod, cseq: UInt32) -> SIPMessage {
        let headers = dialogHeaders ?? makeDialogHeaders()
        dialogHeaders = headers
        var request = SIPMessage.request(method, uri: headers.requestURI)
        if let via = headers.via { request.addHeader("Via", via) }
        for route in headers.routes { request.addHeader("Route", route) }
        request.addHeader("Max-Forwards", "70")
        if let from = headers.from { request.addHeader("From", from) }
        request.addHeader("To", headers.to)
        request.addHeader("Call-ID", callID)
        request.addHeader("CSeq", "\(cseq) \(method)")
        return withNewBranch(request)
    }

    private func makeDialogHeaders() -> DialogHeaders {
        let target = remoteTarget ?? invite.requestURI ?? ""
        var requestURI = target
        var routes = routeSet
        if let first = routeSet.first, let address = try? NameAddress(parsing: first),
           (try? SIPURI(parsing: address.uri))?.parameter("lr") == nil {
            // Strict routing (RFC 2543 proxies): the first route becomes the Request-URI.
            requestURI = address.uri
            routes = Array(routeSet.dropFirst()) + ["<\(target)>"]
        }
        var to = invite.to ?? NameAddress(uri: target)
        if let remoteTag { to.parameters.set("tag", remoteTag) }
        return DialogHeaders(requestURI: requestURI, routes: routes, via: invite.headerValues("Via").first,
                             from: invite.header("From"), to: to.serialized)
    }

    /// Where in-dialog requests go: the first route (loose routing) or the remote target.
    private func dialogDestination() -> SIPDestination {
        let transport = inviteDestination.transport
        if let first = routeSet.first, let address = try? NameAddress(parsing: first),
           let destination = SIPDestination(uri: address.uri, defaultTransport: transport) {
            return destination
        }
        // Behind a trunk, the dialog keeps going through it unless the trunk record-routed elsewhere.
        if inviteDestination != SIPDestination(uri: invite.requestURI ?? "", defaultTransport: transport) {
            return inviteDestination
        }
        return remoteTarget.flatMap { SIPDestination(uri: $0, defaultTransport: transport) } ?? inviteDestination
    }

    private mutating func withNewBranch(_ request: SIPMessage) -> SIPMessage {
        branchCounter += 1
        var copy = request
        guard let index = copy.headers.firstIndex(where: { $0.name == "Via" }) else { return copy }
        let seed = MD5.hexDigest(Array("\(callID)/\(branchCounter)".utf8)).prefix(16)
        copy.headers[index].value = Self.settingBranch("z9hG4bK\(seed)", in: copy.headers[index].value)
        return copy
    }

    /// `via` (one Via value we wrote) with its `branch` parameter set to `branch`, by text: parsing
    /// and re-serialising the Via cost more than the rest of building the request.
    static func settingBranch(_ branch: String, in via: String) -> String {
        let found: (Int, Int)? = via.withSIPBytes { bytes in
            var start = 0
            while start + 8 <= bytes.count {
                if SIPBytes.equalsIgnoringCase(bytes, start, start + 8, ";branch=") {
                    var end = start + 8
                    while end < bytes.count, bytes[end] != UInt8(ascii: ";"), bytes[end] != UInt8(ascii: ","), bytes[end] != 0x20 { end += 1 }
                    return (start + 8, end)
                }
                start += 1
            }
            return nil
        }
        guard let (valueStart, valueEnd) = found else { return via + ";branch=" + branch }
        let utf8 = via.utf8
        return String(via[..<utf8.index(utf8.startIndex, offsetBy: valueStart)]) + branch
            + String(via[utf8.index(utf8.startIndex, offsetBy: valueEnd)...])
    }

    private mutating func endCall(_ outcome: CallOutcome) -> [Action] {
        guard state != .ended else { return [] }
        state = .ended
        var actions: [Action] = [.cancelTimer(.answerTimeout), .cancelTimer(.maxDuration), .cancelTimer(.cancelGuard)]
            + perform(sessionTimer.stop())
        for key in transactions.keys.sorted(by: { $0.branch + $0.method.rawValue < $1.branch + $1.method.rawValue }) {
            for timer in [SIPTimer.a, .b, .d, .e, .f, .k] { actions.append(.cancelTimer(.transaction(key, timer))) }
        }
        transactions.removeAll()
        actions.append(.ended(outcome))
        return actions
    }

    // MARK: Responses we send (UAS side of the dialog)

    /// §8.2.6: a response copies Via, From, To, Call-ID and CSeq from the request.
    static func response(to request: SIPMessage, code: Int, reason: String) -> SIPMessage {
        var response = SIPMessage(startLine: .response(statusCode: code, reasonPhrase: reason))
        for field in request.headers where ["Via", "From", "To", "Call-ID", "CSeq"].contains(field.name) {
            response.headers.append(field)
        }
        return response
    }

    /// §18.2.2: responses go to the top Via's `received`/`rport`, else its sent-by, on the Via's
    /// transport (over TCP, the connection the request came on: the transport stamps its source).
    private func responseDestination(for request: SIPMessage) -> SIPDestination? {
        guard let via = request.topVia else { return nil }
        var host = via.parameters["received"] ?? via.host
        if host.hasPrefix("[") { host = String(host.dropFirst().dropLast()) }
        let port = via.parameters["rport"].flatMap { Int($0) } ?? via.port ?? 5060
        return SIPDestination(host: host, port: port, transport: SIPTransportProtocol(token: via.transport) ?? .udp)
    }
}
