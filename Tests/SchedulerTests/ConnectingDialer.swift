import Foundation
import Telephony
@testable import Scheduler

/// A Dialer whose calls are answered by a person and put through to the script's `humanConnect`:
/// taken by the agent (`connected`, then the person hangs up) or abandoned, target by target.
/// It records the requests it was given and how many calls were up at once.
final class ConnectingDialer: Dialer, @unchecked Sendable {
    // @unchecked Sendable: `lock` guards `placed`, `inProgress` and `maxInProgress`.
    private let lock = NSLock()
    private var placed: [CallRequest] = []
    private var inProgress = 0
    private var maxInProgress = 0
    /// Targets whose person nobody takes (the agent answers 486).
    let abandonedTargets: Set<String>
    /// How long a connected call lasts before the person hangs up.
    let callDuration: Duration

    init(abandoning abandonedTargets: Set<String> = [], callDuration: Duration = .zero) {
        self.abandonedTargets = abandonedTargets
        self.callDuration = callDuration
    }

    var requests: [CallRequest] { lock.withLock { placed } }
    var peakConcurrency: Int { lock.withLock { maxInProgress } }

    func mediaCapacity() -> Int? { nil }

    func placeCall(_ request: CallRequest) async -> AsyncStream<CallEvent> {
        lock.withLock {
            placed.append(request)
            inProgress += 1
            maxInProgress = max(maxInProgress, inProgress)
        }
        let callID = request.callID ?? UUID().uuidString
        let abandoned = abandonedTargets.contains(request.target.description)
        let (stream, continuation) = AsyncStream<CallEvent>.makeStream()
        let start = Timestamp.nowMs()
        continuation.yield(.inviteSent(sipCallID: callID))
        continuation.yield(.answered(remoteSDP: ""))
        continuation.yield(.amd(AMDEvent(.humanDetected, timeMs: 1800)))
        guard let plan = request.script?.humanConnect else {
            lock.withLock { inProgress -= 1 }
            continuation.yield(.ended(CallResult(outcome: ScriptedDialer.answered, sipCallID: callID, startTime: start, ringTime: nil,
                                                 connectTime: start, disconnectTime: start + 2000)))
            continuation.finish()
            return stream
        }
        continuation.yield(.connecting(target: plan.target))
        let connect: ConnectResult
        let outcome: CallOutcome
        if abandoned {
            continuation.yield(.abandoned(target: plan.target, sipCode: 486))
            connect = ConnectResult(target: plan.target, method: plan.method, sipCode: 486, abandoned: true)
            outcome = CallOutcome(status: .completed, reasonCode: .abandoned)
        } else {
            continuation.yield(.connected(target: plan.target))
            connect = ConnectResult(target: plan.target, method: plan.method, sipCode: 200, answerMs: 650, connectedSec: 42.5)
            outcome = CallOutcome(status: .completed, reasonCode: .clientDisconnected)
        }
        let result = CallResult(
            outcome: outcome, sipCallID: callID, startTime: start, ringTime: start, connectTime: start + 1000,
            disconnectTime: start + 50_000, machineDetection: AMDEvent(.humanDetected, timeMs: 1800), connect: connect)
        let duration = callDuration
        // Owned by the stream's consumer: the call ends by itself after `callDuration`.
        Task {
            if duration > .zero { try? await Task.sleep(for: duration) }
            self.lock.withLock { self.inProgress -= 1 }
            continuation.yield(.ended(result))
            continuation.finish()
        }
        return stream
    }

    func hangUp(sipCallID: String) async {}
}
