import Foundation

/// Wakes the dispatcher: whoever commits new work (the HTTP API, the drop-folder importer) or frees
/// a slot (a call that ended) calls `signal()`, and a dispatcher sleeping until its next token or
/// refresh looks again at once instead of at its next poll. Signals do not queue: any number sent
/// while the dispatcher is busy wake it once.
// @unchecked Sendable: `lock` guards `pending`, `waiter` and `nextWaiterID`.
public final class WorkSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var pending = false
    private var waiter: (id: UInt64, continuation: CheckedContinuation<Bool, Never>)?
    private var nextWaiterID: UInt64 = 0

    public init() {}

    /// Wakes the waiting dispatcher, or the next one to wait.
    public func signal() {
        let continuation = lock.withLock { () -> CheckedContinuation<Bool, Never>? in
            guard let waiter else {
                pending = true
                return nil
            }
            self.waiter = nil
            return waiter.continuation
        }
        continuation?.resume(returning: true)
    }

    /// Whether a signal came since the last `consume` or `wait`; clears it.
    func consume() -> Bool {
        lock.withLock {
            defer { pending = false }
            return pending
        }
    }

    /// Returns true at the next signal (at once if one is pending), false if the task is cancelled
    /// first. One waiter at a time.
    func wait() async -> Bool {
        let id = lock.withLock {
            nextWaiterID += 1
            return nextWaiterID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let immediate = lock.withLock { () -> Bool? in
                    if pending {
                        pending = false
                        return true
                    }
                    if Task.isCancelled { return false }
                    precondition(waiter == nil, "one dispatcher waits on a WorkSignal at a time")
                    waiter = (id, continuation)
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let continuation = lock.withLock { () -> CheckedContinuation<Bool, Never>? in
                guard let waiter, waiter.id == id else { return nil }
                self.waiter = nil
                return waiter.continuation
            }
            continuation?.resume(returning: false)
        }
    }
}

extension Clock where Duration == Swift.Duration {
    /// Sleeps until `deadline` or until one of `signals` fires, whichever comes first; returns the
    /// signals that fired (none if the deadline came first). A signal that fires while the sleep is
    /// being torn down is still reported, never lost.
    func sleep(until deadline: Instant, wakingOn signals: [WorkSignal]) async throws -> [WorkSignal] {
        let already = signals.filter { $0.consume() }
        if !already.isEmpty { return already }
        if deadline <= now { return [] }
        let fired = await withTaskGroup(of: Int?.self) { group in
            group.addTask {
                try? await self.sleep(until: deadline, tolerance: nil)
                return nil
            }
            for (index, signal) in signals.enumerated() {
                group.addTask { await signal.wait() ? index : nil }
            }
            var fired: [Int] = []
            if let first = await group.next(), let index = first { fired.append(index) }
            group.cancelAll()
            for await result in group { if let index = result { fired.append(index) } }
            return fired
        }
        try Task.checkCancellation()
        return fired.map { signals[$0] }
    }
}
