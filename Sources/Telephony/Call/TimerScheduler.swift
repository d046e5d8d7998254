import Dispatch
import Foundation

/// One thread that runs every call's SIP timers (A, B, D, E, F, K, ring and duration limits).
///
/// A Task sleeping per timer costs a task, a libdispatch timer and a wake-up each, even for the
/// many timers that are cancelled long before they fire (Timer B's 32 s, the answer timeout). Here
/// a timer is a heap entry and a dictionary slot; cancelling drops the slot, and the heap entry is
/// discarded when it comes up. Actions run on this thread and must only hand work on (start a
/// task, resume a continuation), never block.
public final class TimerScheduler: @unchecked Sendable {
    // @unchecked Sendable: `lock` guards `heap`, `actions`, `nextID` and `stopped`.
    private let lock = NSLock()
    private var heap: [(deadline: UInt64, id: UInt64)] = []
    private var actions: [UInt64: @Sendable () -> Void] = [:]
    private var nextID: UInt64 = 1
    private var stopped = false
    private let wake = DispatchSemaphore(value: 0)

    public init(name: String = "campaignd-timers") {
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    /// Runs `action` after `delay`; returns its id for `cancel`.
    @discardableResult
    public func schedule(after delay: Duration, _ action: @escaping @Sendable () -> Void) -> UInt64 {
        let nanoseconds = UInt64(max(0, delay.components.seconds)) * 1_000_000_000
            + UInt64(max(0, delay.components.attoseconds / 1_000_000_000))
        let deadline = DispatchTime.now().uptimeNanoseconds + nanoseconds
        let (id, earliest) = lock.withLock { () -> (UInt64, Bool) in
            let id = nextID
            nextID += 1
            actions[id] = action
            push((deadline, id))
            return (id, heap[0].id == id)
        }
        if earliest { wake.signal() }
        return id
    }

    public func cancel(_ id: UInt64) {
        _ = lock.withLock { actions.removeValue(forKey: id) }
    }

    /// Ends the thread (pending timers never run).
    public func stop() {
        lock.withLock {
            stopped = true
            actions.removeAll()
        }
        wake.signal()
    }

    /// How many timers are scheduled and not cancelled.
    public var pending: Int { lock.withLock { actions.count } }

    private func run() {
        while true {
            var due: [@Sendable () -> Void] = []
            let next: UInt64? = lock.withLock {
                let now = DispatchTime.now().uptimeNanoseconds
                while let top = heap.first {
                    guard let action = actions[top.id] else {
                        pop()
                        continue
                    }
                    guard top.deadline <= now else { break }
                    pop()
                    actions[top.id] = nil
                    due.append(action)
                }
                return stopped ? nil : heap.first?.deadline ?? UInt64.max
            }
            guard let next else { return }
            for action in due { action() }
            if due.isEmpty {
                _ = wake.wait(timeout: next == UInt64.max ? .distantFuture : DispatchTime(uptimeNanoseconds: next))
            }
        }
    }

    // A binary min-heap on the deadline.
    private func push(_ entry: (deadline: UInt64, id: UInt64)) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].deadline < heap[parent].deadline else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private func pop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].deadline < heap[smallest].deadline { smallest = left }
            if right < heap.count, heap[right].deadline < heap[smallest].deadline { smallest = right }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
