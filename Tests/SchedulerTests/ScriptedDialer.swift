import Foundation
import Telephony
@testable import Scheduler

/// A Dialer for scheduler tests: each target's outcomes come from a script, attempt by attempt;
/// it records what was dialed, when, and how many calls were up at once.
final class ScriptedDialer: Dialer, @unchecked Sendable {
    // @unchecked Sendable: `lock` guards every stored var.
    private let lock = NSLock()
    private var script: [String: [CallOutcome]]
    private var dialed: [(target: String, at: Date)] = []
    private var inProgress = 0
    private var maxInProgress = 0
    private var hungUp: [String] = []
    /// The calls in progress, so that a hang-up ends one early.
    private var running: [String: Task<Void, Never>] = [:]
    let callDuration: Duration
    /// What `mediaCapacity()` answers (nil: no limit); tests change it while the dispatcher runs.
    private var capacity: Int?
    /// Called as each call is placed, before its INVITE would go out.
    let onPlace: @Sendable (CallRequest) -> Void

    init(script: [String: [CallOutcome]] = [:], callDuration: Duration = .milliseconds(5),
         onPlace: @escaping @Sendable (CallRequest) -> Void = { _ in }) {
        self.script = script
        self.callDuration = callDuration
        self.onPlace = onPlace
    }

    static let answered = CallOutcome(status: .completed, reasonCode: .clientDisconnected)
    static let busy = CallOutcome.failed(sipCode: 486, reason: "Busy Here")
    static let noAnswer = CallOutcome.failed(sipCode: 487, reason: "Request Terminated")
    static let declined = CallOutcome.failed(sipCode: 603, reason: "Decline")

    var targets: [String] { lock.withLock { dialed.map(\.target) } }

    func mediaCapacity() -> Int? { lock.withLock { capacity } }
    func setMediaCapacity(_ value: Int?) { lock.withLock { capacity = value } }
    var peakConcurrency: Int { lock.withLock { maxInProgress } }
    func attempts(of target: String) -> Int { lock.withLock { dialed.filter { $0.target == target }.count } }

    func placeCall(_ request: CallRequest) async -> AsyncStream<CallEvent> {
        onPlace(request)
        let target = request.target.description
        let outcome: CallOutcome = lock.withLock {
            dialed.append((target, Date()))
            inProgress += 1
            maxInProgress = max(maxInProgress, inProgress)
            var queue = script[target] ?? []
            let next = queue.isEmpty ? Self.answered : queue.removeFirst()
            script[target] = queue
            return next
        }
        let callID = request.callID ?? UUID().uuidString
        let duration = callDuration
        let (stream, continuation) = AsyncStream<CallEvent>.makeStream()
        continuation.yield(.inviteSent(sipCallID: callID))
        // Owned by the stream's consumer: the call ends by itself after `callDuration`, or when hung up.
        let call = Task {
            let start = Timestamp.nowMs()
            var outcome = outcome
            do {
                try await Task.sleep(for: duration)
            } catch {
                outcome = CallOutcome(status: .completed, reasonCode: .dialerDisconnected)
            }
            self.lock.withLock {
                self.inProgress -= 1
                self.running[callID] = nil
            }
            if outcome.status == .completed { continuation.yield(.answered(remoteSDP: "")) }
            continuation.yield(.ended(CallResult(
                outcome: outcome, sipCallID: callID, startTime: start, ringTime: nil,
                connectTime: outcome.status == .completed ? start : nil, disconnectTime: Timestamp.nowMs())))
            continuation.finish()
        }
        lock.withLock { running[callID] = call }
        return stream
    }

    func hangUp(sipCallID: String) async {
        let call = lock.withLock { () -> Task<Void, Never>? in
            hungUp.append(sipCallID)
            return running[sipCallID]
        }
        call?.cancel()
    }

    var hangUps: [String] { lock.withLock { hungUp } }
}
