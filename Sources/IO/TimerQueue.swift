/// A cancellable timer queue: a binary min-heap of deadlines with the payloads beside it by id.
///
/// Pure and single-threaded: `EventLoop` owns one and asks it what is due. Timers due at the same
/// instant come out in the order they were scheduled. A cancelled timer leaves its heap entry
/// behind, discarded when it comes up (or when the heap is compacted).
public struct TimerQueue<Payload> {
    public struct ID: Hashable, Sendable {
        let value: UInt64
    }

    private struct Entry {
        var deadline: UInt64
        var id: UInt64
    }

    private var heap: [Entry] = []
    private var payloads: [UInt64: Payload] = [:]
    private var nextID: UInt64 = 1

    public init() {}

    /// How many timers are scheduled and not cancelled.
    public var count: Int { payloads.count }

    /// Schedules `payload` for `deadline`; returns its id for `cancel(_:)`.
    @discardableResult
    public mutating func schedule(at deadline: LoopInstant, _ payload: Payload) -> ID {
        let id = nextID
        nextID += 1
        payloads[id] = payload
        push(Entry(deadline: deadline.nanoseconds, id: id))
        if heap.count > 1024, heap.count > 2 * payloads.count { compact() }
        return ID(value: id)
    }

    /// Cancels a timer; false when it already ran or was cancelled.
    @discardableResult
    public mutating func cancel(_ id: ID) -> Bool {
        payloads.removeValue(forKey: id.value) != nil
    }

    public func isScheduled(_ id: ID) -> Bool { payloads[id.value] != nil }

    /// The earliest deadline of a live timer.
    public mutating func nextDeadline() -> LoopInstant? {
        dropCancelledTop()
        return heap.first.map { LoopInstant(nanoseconds: $0.deadline) }
    }

    /// Removes and returns the earliest timer due at `now`, or nil.
    public mutating func popDue(now: LoopInstant) -> Payload? {
        dropCancelledTop()
        guard let top = heap.first, top.deadline <= now.nanoseconds else { return nil }
        pop()
        return payloads.removeValue(forKey: top.id)
    }

    private mutating func dropCancelledTop() {
        while let top = heap.first, payloads[top.id] == nil { pop() }
    }

    private mutating func compact() {
        let live = heap.filter { payloads[$0.id] != nil }
        heap.removeAll(keepingCapacity: true)
        for entry in live { push(entry) }
    }

    /// Earlier deadline first; the same deadline in scheduling order (ids grow).
    private static func before(_ a: Entry, _ b: Entry) -> Bool {
        a.deadline < b.deadline || (a.deadline == b.deadline && a.id < b.id)
    }

    private mutating func push(_ entry: Entry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.before(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func pop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, Self.before(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count, Self.before(heap[right], heap[smallest]) { smallest = right }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
