/// A trunk's registration (RFC 3261 §10.2), as a value: events in, actions out.
///
/// REGISTERs share one Call-ID and count up their CSeq (§10.2.4). A 401/407 is answered once with
/// credentials (twice when the nonce was stale), a 423 is asked again with the registrar's
/// `Min-Expires` (§10.2.8); a 2xx starts the refresh, due well before the binding the registrar
/// granted ends, and the expiry, which drops the binding if no refresh got through by then. Any
/// other failure (final response, Timer F, transport) retries after a back-off that doubles up to a
/// maximum, and not before a `Retry-After`. The trunk counts as registered from a 2xx until its
/// binding expires, through refreshes in between.
public struct RegistrationStateMachine: Sendable {
    public struct Configuration: Sendable {
        /// Request-URI of the REGISTER: `sip:` and the registrar's domain (§10.2).
        public var registrarURI: String
        /// The address of record, in From and To: `sip:user@domain`.
        public var addressOfRecord: String
        /// Our Contact URI (without angle brackets).
        public var contact: String
        /// Our Via up to the branch: `SIP/2.0/UDP host:port;rport` style, a branch is added per request.
        public var via: String
        /// Where REGISTERs go (the registrar, or the trunk's outbound proxy).
        public var destination: SIPDestination
        public var credentials: DigestCredentials?
        /// The binding's lifetime we ask for.
        public var expires: Int
        public var callID: String
        public var fromTag: String
        public var timing: SIPTiming
        /// The first wait after a failure; it doubles with each failure in a row, up to `maximumRetry`.
        public var firstRetry: Duration
        public var maximumRetry: Duration
        public var userAgent: String

        public init(registrarURI: String, addressOfRecord: String, contact: String, via: String, destination: SIPDestination,
                    credentials: DigestCredentials?, expires: Int, callID: String, fromTag: String, timing: SIPTiming = .standard,
                    firstRetry: Duration = .seconds(30), maximumRetry: Duration = .seconds(600), userAgent: String = "campaignd") {
            self.registrarURI = registrarURI
            self.addressOfRecord = addressOfRecord
            self.contact = contact
            self.via = via
            self.destination = destination
            self.credentials = credentials
            self.expires = expires
            self.callID = callID
            self.fromTag = fromTag
            self.timing = timing
            self.firstRetry = firstRetry
            self.maximumRetry = maximumRetry
            self.userAgent = userAgent
        }
    }

    public enum State: Sendable, Equatable {
        case idle
        /// A REGISTER is out.
        case registering
        /// The registrar accepted the binding; a refresh is scheduled.
        case registered
        /// The last attempt failed; the next one is scheduled.
        case waitingToRetry
        /// Removing the binding (REGISTER with Expires: 0).
        case unregistering
        /// Done: no more REGISTERs.
        case stopped
    }

    /// What the trunk's registration looks like from outside: for `campaignd status`, metrics, logs.
    public enum Status: Sendable, Equatable {
        case unregistered
        /// Registered for `expires` seconds (as granted), refreshed before they run out.
        case registered(expires: Int)
        /// The last attempt failed (`sipCode` 0 for a timeout or a transport failure); retried in `retryIn`.
        case failed(sipCode: Int, reason: String, retryIn: Duration)
    }

    public enum Timer: Sendable, Hashable {
        case transaction(SIPTimer)
        case refresh
        case retry
        /// The granted binding runs out.
        case expiry
    }

    public enum Action: Sendable, Equatable {
        case send(SIPMessage, to: SIPDestination)
        case startTimer(Timer, after: Duration)
        case cancelTimer(Timer)
        case statusChanged(Status)
    }

    public private(set) var state: State = .idle
    /// Whether the registrar holds a binding for us now.
    public private(set) var isRegistered = false
    private let configuration: Configuration
    private var expires: Int
    private var cseq: UInt32 = 0
    private var transaction: ClientTransactionStateMachine?
    private var authAttempts = 0
    private var intervalRetried = false
    private var nonceCount: UInt32 = 0
    private var failuresInARow = 0

    public init(configuration: Configuration) {
        self.configuration = configuration
        self.expires = configuration.expires
    }

    // MARK: Events

    public mutating func start() -> [Action] {
        guard state == .idle else { return [] }
        return sendRegister(expires: expires, authorization: nil)
    }

    public mutating func responseReceived(_ response: SIPMessage) -> [Action] {
        guard var current = transaction, current.matches(response), response.callID == configuration.callID else { return [] }
        let actions = current.responseReceived(response)
        transaction = current
        return handle(actions, of: current.branch)
    }

    public mutating func timerFired(_ timer: Timer) -> [Action] {
        switch timer {
        case .transaction(let sipTimer):
            guard var current = transaction else { return [] }
            let actions = current.timerFired(sipTimer)
            transaction = current
            return handle(actions, of: current.branch)
        case .refresh where state == .registered, .retry where state == .waitingToRetry:
            authAttempts = 0
            intervalRetried = false
            return sendRegister(expires: expires, authorization: nil)
        case .expiry:
            guard isRegistered else { return [] }
            // No refresh got through in time: the registrar has dropped us (§10.2.1).
            isRegistered = false
            return [.statusChanged(.unregistered)]
        case .refresh, .retry:
            return []
        }
    }

    /// The connection to the registrar failed (TCP): the REGISTER in flight failed.
    public mutating func transportFailed() -> [Action] {
        guard var current = transaction else { return [] }
        let actions = current.transportFailed()
        transaction = current
        return handle(actions, of: current.branch)
    }

    /// Removes the binding (REGISTER with Expires: 0, §10.2.2, answering a challenge as before)
    /// and stops refreshing; `state` is `.stopped` once the registrar answered or gave up.
    public mutating func stop() -> [Action] {
        guard state != .stopped, state != .unregistering else { return [] }
        var actions: [Action] = [.cancelTimer(.refresh), .cancelTimer(.retry), .cancelTimer(.expiry)]
        guard isRegistered else {
            actions += cancelTransactionTimers()
            transaction = nil
            state = .stopped
            return actions
        }
        isRegistered = false
        authAttempts = 0
        state = .unregistering
        return actions + sendRegister(expires: 0, authorization: nil)
    }

    // MARK: Transaction results

    /// The actions of the transaction with `branch`: its end forgets it only if no newer one
    /// (a REGISTER answering its challenge) has taken its place meanwhile.
    private mutating func handle(_ actions: [ClientTransactionStateMachine.Action], of branch: String) -> [Action] {
        var out: [Action] = []
        for action in actions {
            switch action {
            case .send(let message):
                out.append(.send(message, to: configuration.destination))
            case .startTimer(let timer, let after):
                out.append(.startTimer(.transaction(timer), after: after))
            case .cancelTimer(let timer):
                out.append(.cancelTimer(.transaction(timer)))
            case .passResponse(let response):
                out += finalResponse(response)
            case .timedOut:
                out += failed(sipCode: 0, reason: "no response to REGISTER", retryAfter: nil)
            case .terminated:
                if transaction?.branch == branch { transaction = nil }
            }
        }
        return out
    }

    private mutating func finalResponse(_ response: SIPMessage) -> [Action] {
        guard let code = response.statusCode, code >= 200, state != .stopped else { return [] }
        if state == .unregistering {
            if code == 401 || code == 407, let retry = authorization(for: response) {
                return sendRegister(expires: 0, authorization: retry)
            }
            state = .stopped
            return [.statusChanged(.unregistered)]
        }
        switch code {
        case 200..<300:
            let granted = grantedExpires(response)
            failuresInARow = 0
            authAttempts = 0
            intervalRetried = false
            state = .registered
            isRegistered = granted > 0
            guard granted > 0 else { return [.statusChanged(.unregistered)] }
            return [.cancelTimer(.retry),
                    .startTimer(.refresh, after: Self.refreshDelay(granted: granted)),
                    .startTimer(.expiry, after: .seconds(granted)),
                    .statusChanged(.registered(expires: granted))]
        case 401, 407:
            if let retry = authorization(for: response) {
                return sendRegister(expires: expires, authorization: retry)
            }
            return failed(sipCode: code, reason: response.reasonPhrase ?? "", retryAfter: nil)
        case 423:
            // §10.2.8: ask again with at least the registrar's minimum, once.
            if !intervalRetried, let minimum = response.header("Min-Expires").flatMap({ Int($0.trimmingSIPWhitespace()) }), minimum > expires {
                intervalRetried = true
                expires = minimum
                return sendRegister(expires: expires, authorization: nil)
            }
            return failed(sipCode: code, reason: response.reasonPhrase ?? "", retryAfter: nil)
        default:
            let retryAfter = response.header("Retry-After").flatMap { Int($0.split(separator: ";").first?.trimmingSIPWhitespace() ?? "") }
            return failed(sipCode: code, reason: response.reasonPhrase ?? "", retryAfter: retryAfter.map { .seconds($0) })
        }
    }

    private mutating func failed(sipCode: Int, reason: String, retryAfter: Duration?) -> [Action] {
        guard state != .stopped else { return [] }
        if state == .unregistering {
            state = .stopped
            return [.statusChanged(.unregistered)]
        }
        failuresInARow += 1
        var wait = configuration.firstRetry
        for _ in 1..<failuresInARow where wait < configuration.maximumRetry { wait = wait * 2 }
        wait = min(wait, configuration.maximumRetry)
        if let retryAfter { wait = max(wait, retryAfter) }
        state = .waitingToRetry
        // A refresh that failed leaves the binding until it expires (the expiry timer still runs).
        return [.cancelTimer(.refresh), .startTimer(.retry, after: wait),
                .statusChanged(.failed(sipCode: sipCode, reason: reason, retryIn: wait))]
    }

    /// The lifetime the registrar granted our Contact: its `expires` parameter in the 2xx's
    /// Contact list, else the Expires header, else what we asked (§10.2.4).
    private func grantedExpires(_ response: SIPMessage) -> Int {
        let ours = (try? SIPURI(parsing: configuration.contact))
        for value in response.headerValues("Contact") {
            guard let address = try? NameAddress(parsing: value), let uri = try? SIPURI(parsing: address.uri),
                  uri.host == ours?.host, uri.port == ours?.port, uri.user == ours?.user else { continue }
            if let seconds = address.parameters["expires"].flatMap({ Int($0) }) { return seconds }
        }
        return response.header("Expires").flatMap { Int($0.trimmingSIPWhitespace()) } ?? expires
    }

    /// When to refresh a binding granted for `granted` seconds: half-way for short ones, 32 s
    /// (a Timer F) before the end for long ones, never sooner than a second.
    static func refreshDelay(granted: Int) -> Duration {
        .seconds(max(1, granted - min(32, granted / 2)))
    }

    // MARK: Requests

    private mutating func authorization(for challenge: SIPMessage) -> (name: String, value: String)? {
        guard let credentials = configuration.credentials else { return nil }
        let proxy = challenge.statusCode == 407
        guard let text = challenge.header(proxy ? "Proxy-Authenticate" : "WWW-Authenticate"),
              let parsed = try? DigestChallenge(parsing: text) else { return nil }
        if let realm = credentials.realm, realm != parsed.realm { return nil }
        guard authAttempts == 0 || (parsed.stale && authAttempts < 2) else { return nil }
        authAttempts += 1
        nonceCount += 1
        let cnonce = String(MD5.hexDigest(Array("\(configuration.callID):\(cseq + 1)".utf8)).prefix(16))
        let value = parsed.authorization(username: credentials.username, password: credentials.password,
                                         method: SIPMethod.register.rawValue, uri: configuration.registrarURI,
                                         nonceCount: nonceCount, cnonce: cnonce)
        return (proxy ? "Proxy-Authorization" : "Authorization", value)
    }

    private mutating func sendRegister(expires: Int, authorization: (name: String, value: String)?) -> [Action] {
        cseq += 1
        let branch = "z9hG4bK" + MD5.hexDigest(Array("\(configuration.callID)/register/\(cseq)".utf8)).prefix(16)
        var register = SIPMessage.request(.register, uri: configuration.registrarURI, headers: [
            SIPHeaderField("Via", configuration.via + ";branch=" + branch),
            SIPHeaderField("Max-Forwards", "70"),
            SIPHeaderField("From", "<\(configuration.addressOfRecord)>;tag=\(configuration.fromTag)"),
            SIPHeaderField("To", "<\(configuration.addressOfRecord)>"),
            SIPHeaderField("Call-ID", configuration.callID),
            SIPHeaderField("CSeq", "\(cseq) \(SIPMethod.register)"),
            SIPHeaderField("Contact", "<\(configuration.contact)>"),
            SIPHeaderField("Expires", String(expires)),
            SIPHeaderField("User-Agent", configuration.userAgent),
        ])
        if let authorization { register.addHeader(authorization.name, authorization.value) }
        var actions = cancelTransactionTimers()
        var next = ClientTransactionStateMachine(request: register, timing: configuration.timing,
                                                 reliable: configuration.destination.transport.isReliable)
        let started = next.start()
        transaction = next
        if state != .unregistering { state = .registering }
        actions += handle(started, of: next.branch)
        return actions
    }

    private func cancelTransactionTimers() -> [Action] {
        transaction == nil ? [] : [.cancelTimer(.transaction(.e)), .cancelTimer(.transaction(.f)), .cancelTimer(.transaction(.k))]
    }
}

extension RegistrationStateMachine {
    /// The Call-ID all of this registration's REGISTERs carry.
    public var callID: String { configuration.callID }
}
