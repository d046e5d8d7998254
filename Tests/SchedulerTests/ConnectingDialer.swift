import Foundation
import Telephony
@testable import Scheduler

/// A Dialer whose calls are answered by a person and put through to the script's `humanConnect`:
/// taken by the agent (`connected`, then the person hangs up) or abandoned, target by target.
/// It records the requests it was given.
final class ConnectingDialer: Dialer, @unchecked Sendable {
    // @unchecked Sendable: `lock` guards `requests`.
    private let lock = NSLock()
    private var placed: [CallRequest] = []
    /// Targets whose person nobody takes (the agent answers 486).
    let abandonedTargets: Set<String>

    init(abandoning abandonedTargets: Set<String> = []) {
        self.abandonedTargets = abandonedTargets
    }

    var requests: [CallRequest] { lock.withLock { placed } }

    func mediaCapacity() -> Int? { nil }

    func placeCall(_ request: CallRequest) async -> AsyncStream<CallEvent> {
        lock.withLock { placed.append(request) }
        let callID = request.callID ?? UUID().uuidString
        let abandoned = abandonedTargets.contains(request.target.description)
        let (stream, continuation) = AsyncStream<CallEvent>.makeStream()
        let start = Timestamp.nowMs()
        continuation.yield(.inviteSent(sipCallID: callID))
        continuation.yield(.answered(remoteSDP: ""))
        continuation.yield(.amd(AMDEvent(.humanDetected, timeMs: 1800)))
        guard let plan = request.script?.humanConnect else {
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
        continuation.yield(.ended(CallResult(
            outcome: outcome, sipCallID: callID, startTime: start, ringTime: start, connectTime: start + 1000,
            disconnectTime: start + 50_000, machineDetection: AMDEvent(.humanDetected, timeMs: 1800), connect: connect)))
        continuation.finish()
        return stream
    }

    func hangUp(sipCallID: String) async {}
}
