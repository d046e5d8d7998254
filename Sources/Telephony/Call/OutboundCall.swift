import Foundation
import IO

/// Carries out one call's `CallStateMachine` actions on the call's event loop: sends datagrams,
/// runs its timers on the loop's clock, stamps the times and publishes `CallEvent`s. Its media (for
/// calls with a script) runs on the same loop. Created and fed by `SIPDialer`.
final class OutboundCall: @unchecked Sendable {
    // @unchecked Sendable: `loop` and `callID` never change; everything else is confined to `loop`'s
    // thread (no lock). Other threads reach the call only through `loop.execute`.
    let loop: EventLoop
    let callID: String
    private var machine: CallStateMachine
    private let transport: SIPTransport
    private let continuation: AsyncStream<CallEvent>.Continuation
    private(set) var media: CallMedia?
    private var timers: [CallStateMachine.Timer: EventLoop.TimerID] = [:]
    private let onEnd: @Sendable (OutboundCall) -> Void
    /// When the call (its first attempt) started; a later attempt is given its first's.
    var startTime: Int64 = 0
    private var ringTime: Int64?
    private var connectTime: Int64?
    /// When the conversation ended (our BYE sent, or theirs received), before the BYE's transaction did.
    private var disconnectTime: Int64?
    private var redirectedTo: String?
    private(set) var finished = false
    /// Why we hung up, in words, for the outcome that the BYE's (or CANCEL's) answer brings later.
    private var hangUpReason: (code: CallOutcome.ReasonCode, reason: String)?
    private var hungUp = false
    /// Where this attempt's INVITE goes, when the trunk's host name was resolved (RFC 3263).
    let target: SIPDestination?
    /// A later attempt of the same call at the next target: its `inviteSent` is not published again.
    let isRetry: Bool
    /// Asked, on the loop, when this attempt fails over (503, or no response); true when the next
    /// target's attempt started and carries the call's events on. Set before `start`.
    var failover: ((OutboundCall, CallOutcome) -> Bool)?
    /// The trunk's targets this call tried before this one, and what each did (RFC 3263 failover).
    var earlierTargets: [FailedTarget] = []
    /// Set when the next target's attempt took over this attempt's RTP port: it is not given back
    /// to the pool when this attempt ends.
    var mediaPortHandedOver = false
    /// Told, on the loop, when this attempt's target answers 503 with a `Retry-After` (in seconds).
    var refusedWithRetryAfter: ((Int) -> Void)?

    /// A trunk target that answered 503 or nothing, and the call moved on from.
    struct FailedTarget {
        /// `address:port`.
        var target: String
        var outcome: CallOutcome

        /// `127.0.0.1:5071 503 Service Unavailable`, `127.0.0.1:5071 no response to INVITE (Timer B)`.
        var summary: String {
            let what = [outcome.sipCode.map(String.init), outcome.reason].compactMap { $0 }.joined(separator: " ")
            return target + " " + (what.isEmpty ? outcome.reasonCode.rawValue : what)
        }
    }
    /// A second leg's events, on the loop: a leg has no dispatcher reading its stream, its
    /// person's media listens here instead.
    var listener: ((CallEvent) -> Void)?
    /// Places a second leg for this call, on its loop (set by `SIPDialer` for calls that connect).
    var legPlacer: ((ConnectPlan, _ amdHeader: (name: String, value: String)?) -> Result<OutboundCall, SIPDialer.RequestError>)?
    /// Why connecting failed, for the reason of an `abandoned` outcome.
    private var connectFailure: String?

    init(machine: CallStateMachine, loop: EventLoop, transport: SIPTransport, continuation: AsyncStream<CallEvent>.Continuation,
         target: SIPDestination? = nil, isRetry: Bool = false, onEnd: @escaping @Sendable (OutboundCall) -> Void) {
        self.machine = machine
        self.target = target
        self.isRetry = isRetry
        self.callID = machine.callID
        self.loop = loop
        self.transport = transport
        self.continuation = continuation
        self.onEnd = onEnd
    }

    /// Gives the call its media session (before `start`).
    func attach(_ media: CallMedia) {
        self.media = media
    }

    func start() {
        if startTime == 0 { startTime = Self.nowMs() }
        perform(machine.start())
    }

    func messageReceived(_ message: SIPMessage) {
        if message.isRequest {
            perform(machine.requestReceived(message))
        } else {
            perform(machine.responseReceived(message))
        }
    }

    /// A TCP connection this call may have sent on failed or closed.
    func transportFailed(to destination: SIPDestination, reason: String) {
        guard !finished else { return }
        perform(machine.transportFailed(to: destination, reason: reason))
    }

    /// Ends the call: CANCEL before the answer, BYE after. `reason` replaces the reason of the
    /// outcome this hang-up brings, whenever it comes (at once, or with the BYE's answer).
    func hangUp(_ reasonCode: CallOutcome.ReasonCode = .dialerDisconnected, reason: String? = nil) {
        if let reason, hangUpReason == nil { hangUpReason = (reasonCode, reason) }
        hungUp = true
        perform(machine.hangUp(reasonCode))
    }

    /// Publishes an event to the dispatcher (from the call or its media), or to the listener.
    func emit(_ event: CallEvent) {
        continuation.yield(event)
        listener?(event)
    }

    /// Places the second leg of this call to `plan`'s target, on this call's loop.
    func placeLeg(_ plan: ConnectPlan, amdHeader: (name: String, value: String)?) -> Result<OutboundCall, SIPDialer.RequestError> {
        guard let legPlacer else { return .failure(.badTarget(plan.target)) }
        return legPlacer(plan, amdHeader)
    }

    /// Asks the callee's leg to call `plan`'s target itself (RFC 3515).
    func refer(to plan: ConnectPlan, amdHeader: (name: String, value: String)?) {
        perform(machine.refer(to: plan.target, headers: plan.headers + (amdHeader.map { [$0] } ?? [])))
    }

    func noteConnectFailure(_ text: String) {
        connectFailure = text
    }

    private func startTimer(_ timer: CallStateMachine.Timer, after delay: Duration) {
        cancelTimer(timer)
        timers[timer] = loop.scheduleTimer(after: delay) { [weak self] in
            guard let self, !finished else { return }
            timers[timer] = nil
            perform(machine.timerFired(timer))
        }
    }

    private func cancelTimer(_ timer: CallStateMachine.Timer) {
        if let running = timers.removeValue(forKey: timer) { loop.cancelTimer(running) }
    }

    /// Carries out `actions`.
    private func perform(_ actions: [CallStateMachine.Action]) {
        for action in actions {
            if finished { return }
            switch action {
            case .send(let message, let destination):
                do {
                    try transport.send(message, to: destination)
                } catch {
                    // A send that fails outright (no route, unresolvable host) ends the call as an error.
                    finish(CallOutcome(status: .failed, reasonCode: .error, reason: "\(error)"))
                    return
                }
            case .startTimer(let timer, let delay):
                startTimer(timer, after: delay)
            case .cancelTimer(let timer):
                cancelTimer(timer)
            case .event(var event):
                switch event {
                case .ringing, .earlyMedia: if ringTime == nil { ringTime = Self.nowMs() }
                case .answered(let sdp, _, _):
                    let now = Self.nowMs()
                    connectTime = now
                    event = .answered(remoteSDP: sdp, atMs: now, rangAtMs: ringTime)
                case .inviteSent where isRetry: continue
                default: break
                }
                // The dispatcher hears of the answer before what the media does with it (connecting);
                // a leg's listener after its media, as bridging needs the far end's address.
                continuation.yield(event)
                if case .answered(let sdp, _, _) = event { media?.answered(remoteSDP: sdp) }
                listener?(event)
            case .digitReceived(let digit):
                // The same path as an RFC 4733 digit: the script (opt-out) hears it when there is one.
                if let media { media.digitReceived(digit) } else { emit(.digit(digit)) }
            case .disconnected:
                if disconnectTime == nil { disconnectTime = Self.nowMs() }
                // RFC 3261 §15.1.1: the session is over once the BYE is handed to its transaction
                // (or the callee's has come): no more media either way, however long the BYE's
                // response takes. `finish` reads the same report from the closed media.
                _ = media?.close()
            case .redirected(let target):
                redirectedTo = target
            case .remoteSends(let sends):
                media?.remoteSends(sends)
            case .transfer(let accepted, let sipCode):
                media?.transferReported(accepted: accepted, sipCode: sipCode)
            case .ended(let outcome):
                finish(outcome)
            }
        }
    }

    private func finish(_ outcome: CallOutcome) {
        guard !finished else { return }
        var outcome = outcome
        if let hangUpReason, outcome.reasonCode == hangUpReason.code { outcome.reason = hangUpReason.reason }
        if outcome.reasonCode == .abandoned, let connectFailure { outcome.reason = "nobody took the call: " + connectFailure }
        finished = true
        for running in timers.values { loop.cancelTimer(running) }
        timers.removeAll()
        let report = media?.close() ?? CallMedia.Report()
        // RFC 3263 §4.3: a 503 or no answer at all (Timer B, a failed transport) moves the call to the
        // next target, unless the call got as far as ringing there or we hung up.
        if outcome.sipCode == 503, let retryAfter = outcome.retryAfter { refusedWithRetryAfter?(retryAfter) }
        let unreached = outcome.sipCode == 503 || (outcome.sipCode == nil && outcome.reasonCode == .error)
        if unreached, !hungUp, connectTime == nil, ringTime == nil, let failover, failover(self, outcome) {
            onEnd(self)
            return
        }
        if !earlierTargets.isEmpty {
            outcome = Self.afterFailover(outcome, earlier: earlierTargets, last: target?.description ?? "")
        }
        var ended = CallResult(
            outcome: outcome, sipCallID: callID, startTime: startTime, ringTime: ringTime,
            connectTime: connectTime, disconnectTime: disconnectTime ?? Self.nowMs(), machineDetection: report.verdict,
            beepDetected: report.beep, optedOutDigit: report.optedOut, redirectedTo: redirectedTo, connect: report.connect)
        ended.trunkTarget = target?.description
        emit(.ended(ended))
        listener = nil
        continuation.finish()
        onEnd(self)
    }

    /// The outcome of the last target tried, its reason naming every target tried before
    /// (`Service Unavailable; trunk targets tried: 127.0.0.1:5071 503 Service Unavailable, then 127.0.0.1:5072`).
    /// A `Retry-After` is kept only when every target tried answered 503 with one (the soonest):
    /// the trunk as a whole is back when its first target is.
    static func afterFailover(_ outcome: CallOutcome, earlier: [FailedTarget], last: String) -> CallOutcome {
        var outcome = outcome
        let tried = "trunk targets tried: " + earlier.map(\.summary).joined(separator: ", ") + ", then " + last
        outcome.reason = outcome.reason.map { $0 + "; " + tried } ?? tried
        let everyRetryAfter = (earlier.map(\.outcome) + [outcome]).map { $0.sipCode == 503 ? $0.retryAfter : nil }
        outcome.retryAfter = everyRetryAfter.contains(nil) ? nil : everyRetryAfter.compactMap { $0 }.min()
        return outcome
    }

    static func nowMs() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }
}
