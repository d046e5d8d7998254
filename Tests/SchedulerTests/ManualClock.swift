import Foundation
@testable import Scheduler

/// A clock tests move by hand: `sleep` returns when `advance` has passed its deadline.
final class ManualClock: DispatchClock, @unchecked Sendable {
    // @unchecked Sendable: `lock` guards `current` and `sleepers`.
    struct Instant: InstantProtocol, Sendable {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private let lock = NSLock()
    /// The wall time at the clock's zero instant.
    let origin: Date
    private var current = Instant(offset: .zero)
    private var sleepers: [(id: UInt64, deadline: Instant, continuation: CheckedContinuation<Void, Never>)] = []
    private var nextSleeperID: UInt64 = 0

    init(origin: Date = Date()) {
        self.origin = origin
    }

    var now: Instant { lock.withLock { current } }

    func date(at instant: Instant) -> Date {
        origin.addingTimeInterval(TokenBucket<ManualClock>.secondsValue(instant.offset))
    }
    var minimumResolution: Duration { .nanoseconds(1) }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        let id = lock.withLock {
            nextSleeperID += 1
            return nextSleeperID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = lock.withLock { () -> Bool in
                    if deadline <= current || Task.isCancelled { return true }
                    sleepers.append((id, deadline, continuation))
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let cancelled = lock.withLock { () -> CheckedContinuation<Void, Never>? in
                guard let index = sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return sleepers.remove(at: index).continuation
            }
            cancelled?.resume()
        }
        try Task.checkCancellation()
    }

    func advance(by duration: Duration) {
        let due = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            current = current.advanced(by: duration)
            let ready = sleepers.filter { $0.deadline <= current }
            sleepers.removeAll { $0.deadline <= current }
            return ready.map(\.continuation)
        }
        for continuation in due { continuation.resume() }
    }

    var sleeperCount: Int { lock.withLock { sleepers.count } }

    /// The earliest deadline anyone sleeps until, if anyone sleeps.
    var nextDeadline: Instant? { lock.withLock { sleepers.map(\.deadline).min() } }
}
