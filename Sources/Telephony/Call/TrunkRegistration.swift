import Foundation
import IO

/// Carries out one trunk's `RegistrationStateMachine` on the SIP loop: sends its REGISTERs, runs
/// its timers on the loop's clock and publishes its status, which any thread may read (the
/// dispatcher asks whether the trunk may take calls). Created, fed and stopped by `SIPDialer`.
final class TrunkRegistration: @unchecked Sendable {
    // @unchecked Sendable: `trunk`, `loop`, `callID`, `transport` and `observer` never change;
    // `machine` and `timers` are confined to `loop`'s thread; `lock` guards `current`.
    let trunk: String
    let loop: EventLoop
    let callID: String
    private var machine: RegistrationStateMachine
    private let transport: SIPTransport
    private var timers: [RegistrationStateMachine.Timer: EventLoop.TimerID] = [:]
    private let observer: (@Sendable (String, RegistrationStateMachine.Status) -> Void)?
    private let lock = NSLock()
    private var current: (registered: Bool, status: RegistrationStateMachine.Status) = (false, .unregistered)

    init(trunk: String, machine: RegistrationStateMachine, callID: String, loop: EventLoop, transport: SIPTransport,
         observer: (@Sendable (String, RegistrationStateMachine.Status) -> Void)?) {
        self.trunk = trunk
        self.machine = machine
        self.callID = callID
        self.loop = loop
        self.transport = transport
        self.observer = observer
    }

    /// Whether the registrar holds our binding now. Any thread.
    var isRegistered: Bool { lock.withLock { current.registered } }
    /// The last status. Any thread.
    var status: RegistrationStateMachine.Status { lock.withLock { current.status } }

    /// On the loop.
    func start() { perform(machine.start()) }
    /// On the loop.
    func responseReceived(_ response: SIPMessage) { perform(machine.responseReceived(response)) }
    /// On the loop: a TCP connection failed; only the registrar's matters.
    func transportFailed(to destination: SIPDestination, registrar: SIPDestination) {
        guard destination == registrar else { return }
        perform(machine.transportFailed())
    }
    /// On the loop: unregisters (Expires: 0) and stops every timer; `done` once the registrar has
    /// answered, or after `timeout` at most.
    func stop(timeout: Duration, done: @escaping () -> Void) {
        stopped = done
        perform(machine.stop())
        guard stopped != nil else { return }
        timers[.retry] = loop.scheduleTimer(after: timeout) { [weak self] in self?.finishStopping() }
    }

    private var stopped: (() -> Void)?

    private func finishStopping() {
        guard let done = stopped else { return }
        stopped = nil
        for running in timers.values { loop.cancelTimer(running) }
        timers.removeAll()
        done()
    }

    private func perform(_ actions: [RegistrationStateMachine.Action]) {
        for action in actions {
            switch action {
            case .send(let message, let destination):
                // A failed send (no route) is a transport failure of this REGISTER, reported in turn.
                do { try transport.send(message, to: destination) } catch { loop.execute { [self] in perform(machine.transportFailed()) } }
            case .startTimer(let timer, let delay):
                if let running = timers.removeValue(forKey: timer) { loop.cancelTimer(running) }
                timers[timer] = loop.scheduleTimer(after: delay) { [weak self] in
                    guard let self else { return }
                    timers[timer] = nil
                    perform(machine.timerFired(timer))
                }
            case .cancelTimer(let timer):
                if let running = timers.removeValue(forKey: timer) { loop.cancelTimer(running) }
            case .statusChanged(let status):
                let registered = machine.isRegistered
                lock.withLock { current = (registered, status) }
                observer?(trunk, status)
            }
        }
        let registered = machine.isRegistered
        lock.withLock { current.registered = registered }
        if stopped != nil, machine.state == .stopped { finishStopping() }
    }
}
