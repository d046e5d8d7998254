/// An RFC 3261 §17.1 client transaction, as a value: events in, actions out.
///
/// INVITE transactions (§17.1.1) retransmit on Timer A, give up on Timer B, send the ACK for a
/// non-2xx final response themselves and absorb its retransmissions until Timer D. Non-INVITE
/// transactions (§17.1.2) retransmit on Timer E, give up on Timer F and linger for Timer K.
/// On a reliable transport (TCP) nothing is retransmitted: Timers A and E never run, B and F still
/// do, and D and K are zero (the transaction ends with its final response).
public struct ClientTransactionStateMachine: Sendable {
    public enum Kind: Sendable, Equatable {
        case invite, nonInvite
    }

    public enum State: Sendable, Equatable {
        case idle, calling, proceeding, completed, terminated
    }

    public enum Action: Sendable, Equatable {
        case send(SIPMessage)
        case startTimer(SIPTimer, after: Duration)
        case cancelTimer(SIPTimer)
        /// Hand the response to the transaction user (the call).
        case passResponse(SIPMessage)
        /// Timer B or F fired before a final response: the request failed with a timeout.
        case timedOut
        /// The transaction is over; forget it.
        case terminated
    }

    public let request: SIPMessage
    public let kind: Kind
    public let timing: SIPTiming
    public private(set) var state: State = .idle
    private var retransmitInterval: Duration
    /// The ACK sent for a non-2xx final response, resent when that response is retransmitted.
    private var ack: SIPMessage?

    /// Whether the transport is reliable (TCP): no retransmissions, no lingering.
    public let reliable: Bool

    public init(request: SIPMessage, timing: SIPTiming = .standard, reliable: Bool = false) {
        self.request = request
        self.reliable = reliable
        self.kind = request.method == .invite ? .invite : .nonInvite
        self.timing = timing
        self.retransmitInterval = timing.t1
        self.branch = request.topVia?.branch ?? ""
        self.method = request.cseq?.method
    }

    /// The branch that identifies this transaction (RFC 3261 §17.1.3); read once, not per response.
    public let branch: String
    private let method: SIPMethod?

    /// Whether `response` belongs to this transaction: same top Via branch and CSeq method (§17.1.3).
    public func matches(_ response: SIPMessage) -> Bool {
        response.topVia?.branch == branch && response.cseq?.method == method
    }

    public mutating func start() -> [Action] {
        guard state == .idle else { return [] }
        state = .calling
        switch kind {
        case .invite where reliable:
            // §17.1.1.2: "If an unreliable transport is being used, … start timer A"; B always.
            return [.send(request), .startTimer(.b, after: timing.transactionTimeout)]
        case .invite:
            return [.send(request), .startTimer(.a, after: retransmitInterval), .startTimer(.b, after: timing.transactionTimeout)]
        case .nonInvite where reliable:
            // §17.1.2.2: Timer E only on an unreliable transport; F always.
            return [.send(request), .startTimer(.f, after: timing.transactionTimeout)]
        case .nonInvite:
            return [.send(request), .startTimer(.e, after: retransmitInterval), .startTimer(.f, after: timing.transactionTimeout)]
        }
    }

    public mutating func responseReceived(_ response: SIPMessage) -> [Action] {
        guard let code = response.statusCode else { return [] }
        switch (kind, state, code) {
        case (_, .idle, _), (_, .terminated, _):
            return []
        case (.invite, .calling, 100..<200), (.invite, .proceeding, 100..<200):
            let wasCalling = state == .calling
            state = .proceeding
            let timers: [Action] = reliable ? [.cancelTimer(.b)] : [.cancelTimer(.a), .cancelTimer(.b)]
            return (wasCalling ? timers : []) + [.passResponse(response)]
        case (.invite, .calling, 200..<300), (.invite, .proceeding, 200..<300):
            // §17.1.1.2: a 2xx ends the transaction; the call sends the ACK and absorbs retransmissions.
            state = .terminated
            return (reliable ? [.cancelTimer(.b)] : [.cancelTimer(.a), .cancelTimer(.b)]) + [.passResponse(response), .terminated]
        case (.invite, .calling, _), (.invite, .proceeding, _):
            state = .completed
            let ack = Self.ack(for: request, response: response)
            self.ack = ack
            // §17.1.1.2: Timer D is zero on a reliable transport (no retransmitted response to absorb).
            if reliable {
                state = .terminated
                return [.cancelTimer(.b), .send(ack), .passResponse(response), .terminated]
            }
            return [.cancelTimer(.a), .cancelTimer(.b), .send(ack), .passResponse(response), .startTimer(.d, after: timing.timerD)]
        case (.invite, .completed, 300...):
            // §17.1.1.2: a retransmitted final response gets the ACK again and is not passed up.
            return ack.map { [.send($0)] } ?? []
        case (.invite, .completed, _):
            return []
        case (.nonInvite, .calling, 100..<200), (.nonInvite, .proceeding, 100..<200):
            state = .proceeding
            return [.passResponse(response)]
        case (.nonInvite, .calling, _), (.nonInvite, .proceeding, _):
            // §17.1.2.2: Timer K is zero on a reliable transport.
            if reliable {
                state = .terminated
                return [.cancelTimer(.f), .passResponse(response), .terminated]
            }
            state = .completed
            return [.cancelTimer(.e), .cancelTimer(.f), .passResponse(response), .startTimer(.k, after: timing.t4)]
        case (.nonInvite, .completed, _):
            return []
        }
    }

    public mutating func timerFired(_ timer: SIPTimer) -> [Action] {
        // Nothing is retransmitted on a reliable transport, whatever timer the owner fires.
        if reliable, timer == .a || timer == .e { return [] }
        switch (timer, state) {
        case (.a, .calling):
            retransmitInterval = retransmitInterval * 2
            return [.send(request), .startTimer(.a, after: retransmitInterval)]
        // §17.1.1.2: Timer B only fires in Calling; once a provisional arrived the call must CANCEL.
        case (.b, .calling), (.f, .calling), (.f, .proceeding):
            state = .terminated
            return [.cancelTimer(.a), .cancelTimer(.e), .timedOut, .terminated]
        case (.e, .calling):
            retransmitInterval = min(retransmitInterval * 2, timing.t2)
            return [.send(request), .startTimer(.e, after: retransmitInterval)]
        case (.e, .proceeding):
            // §17.1.2.2: in Proceeding, retransmit every T2.
            return [.send(request), .startTimer(.e, after: timing.t2)]
        case (.d, .completed), (.k, .completed):
            state = .terminated
            return [.terminated]
        default:
            return []
        }
    }

    /// The transport could not send (§17.1.1.2, §17.1.2.2): the transaction ends with an error.
    public mutating func transportFailed() -> [Action] {
        guard state != .terminated else { return [] }
        state = .terminated
        return [.cancelTimer(.a), .cancelTimer(.b), .cancelTimer(.e), .cancelTimer(.f), .timedOut, .terminated]
    }

    /// RFC 3261 §17.1.1.3: the ACK for a non-2xx final response, built by the transaction.
    static func ack(for request: SIPMessage, response: SIPMessage) -> SIPMessage {
        sameTransactionRequest(.ack, as: request, to: response.header("To"))
    }

    /// A request that belongs to `request`'s transaction: the ACK for a non-2xx (§17.1.1.3) and the
    /// CANCEL (§9.1) both copy its Request-URI, top Via (so the branch), Route, From, Call-ID and
    /// CSeq number, with their own method. `to` replaces the To header (the ACK takes the response's).
    static func sameTransactionRequest(_ method: SIPMethod, as request: SIPMessage, to: String? = nil) -> SIPMessage {
        var derived = SIPMessage.request(method, uri: request.requestURI ?? "")
        if let via = request.headerValues("Via").first { derived.addHeader("Via", via) }
        for route in request.headers where route.name == "Route" { derived.addHeader("Route", route.value) }
        derived.addHeader("Max-Forwards", "70")
        if let from = request.header("From") { derived.addHeader("From", from) }
        if let toHeader = to ?? request.header("To") { derived.addHeader("To", toHeader) }
        if let callID = request.callID { derived.addHeader("Call-ID", callID) }
        derived.addHeader("CSeq", "\(request.cseq?.number ?? 1) \(method)")
        return derived
    }
}
