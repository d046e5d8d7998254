import Foundation

/// Carries out one call's `CallStateMachine` actions: sends datagrams, runs its timers on a clock,
/// stamps the times and publishes `CallEvent`s. Created and fed by `SIPDialer`.
actor OutboundCall {
    var machine: CallStateMachine
    private let transport: UDPTransport
    let continuation: AsyncStream<CallEvent>.Continuation
    /// RTP and the script, for calls that have one.
    var media: CallMedia?
    /// The call's timers: the SIP state machine's and, for calls with media, the script's.
    enum TimerKey: Hashable {
        case sip(CallStateMachine.Timer)
        case media(CallMedia.MediaTimer)
    }

    /// Running timers, by their id on the dialer's shared `TimerScheduler`; cancelled there when
    /// they are cancelled here or the call ends.
    private var timers: [TimerKey: (id: UInt64, token: UInt64)] = [:]
    /// Tells a timer that fired from one restarted since (its token no longer matches).
    private var timerTokens: UInt64 = 0
    private let scheduler: TimerScheduler
    private let onEnd: @Sendable (String) async -> Void
    private var startTime: Int64 = 0
    private var ringTime: Int64?
    private var connectTime: Int64?
    private(set) var finished = false

    init(machine: CallStateMachine, transport: UDPTransport, scheduler: TimerScheduler,
         continuation: AsyncStream<CallEvent>.Continuation, media: CallMedia? = nil,
         onEnd: @escaping @Sendable (String) async -> Void) {
        self.machine = machine
        self.scheduler = scheduler
        self.media = media
        self.transport = transport
        self.continuation = continuation
        self.onEnd = onEnd
    }

    var callID: String { machine.callID }

    func start() async {
        startTime = Self.nowMs()
        startReceivingMedia()
        await perform(machine.start())
    }

    func responseReceived(_ response: SIPMessage) async {
        await perform(machine.responseReceived(response))
    }

    func requestReceived(_ request: SIPMessage) async {
        await perform(machine.requestReceived(request))
    }

    func hangUp() async {
        await perform(machine.hangUp())
    }

    func startTimer(_ key: TimerKey, after delay: Duration) {
        cancelTimer(key)
        timerTokens += 1
        let token = timerTokens
        let id = scheduler.schedule(after: delay) { [weak self] in
            // A task per timer that fires (most are cancelled first); it owns nothing else.
            Task { await self?.timerFired(key, token: token) }
        }
        timers[key] = (id, token)
    }

    func cancelTimer(_ key: TimerKey) {
        if let running = timers.removeValue(forKey: key) { scheduler.cancel(running.id) }
    }

    private func timerFired(_ key: TimerKey, token: UInt64) async {
        guard timers[key]?.token == token else { return }
        timers[key] = nil
        switch key {
        case .sip(let timer): await perform(machine.timerFired(timer))
        case .media(let timer): await mediaTimerFired(timer)
        }
    }

    /// Carries out `actions`; `reason` replaces the outcome's reason when the call ends here.
    func perform(_ actions: [CallStateMachine.Action], reason: String? = nil) async {
        for action in actions {
            if finished { return }
            switch action {
            case .send(let message, let destination):
                do {
                    try transport.send(message.serialized(), to: destination.host, port: destination.port)
                } catch {
                    // A send that fails outright (no route, unresolvable host) ends the call as an error.
                    await finish(CallOutcome(status: .failed, reasonCode: .error, reason: "\(error)"))
                    return
                }
            case .startTimer(let timer, let delay):
                startTimer(.sip(timer), after: delay)
            case .cancelTimer(let timer):
                cancelTimer(.sip(timer))
            case .event(let event):
                switch event {
                case .ringing, .earlyMedia: if ringTime == nil { ringTime = Self.nowMs() }
                case .answered: connectTime = Self.nowMs()
                default: break
                }
                continuation.yield(event)
                if case .answered(let sdp) = event, media != nil { await startMedia(remoteSDP: sdp) }
            case .ended(var outcome):
                if let reason { outcome.reason = reason }
                await finish(outcome)
            }
        }
    }

    private func finish(_ outcome: CallOutcome) async {
        guard !finished else { return }
        finished = true
        for running in timers.values { scheduler.cancel(running.id) }
        timers.removeAll()
        let media = closeMedia()
        continuation.yield(.ended(CallResult(
            outcome: outcome, sipCallID: machine.callID, startTime: startTime, ringTime: ringTime,
            connectTime: connectTime, disconnectTime: Self.nowMs(), machineDetection: media.verdict, beepDetected: media.beep,
            optedOutDigit: media.optedOut)))
        continuation.finish()
        await onEnd(machine.callID)
    }

    static func nowMs() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }
}

