import IO
import Testing

@Suite struct TimerQueueTests {
    func at(_ ms: UInt64) -> LoopInstant { LoopInstant(nanoseconds: ms * 1_000_000) }

    func drain(_ queue: inout TimerQueue<String>, now ms: UInt64) -> [String] {
        var fired: [String] = []
        while let due = queue.popDue(now: at(ms)) { fired.append(due) }
        return fired
    }

    @Test func firesInDeadlineOrderThenSchedulingOrder() {
        var queue = TimerQueue<String>()
        queue.schedule(at: at(30), "c")
        queue.schedule(at: at(10), "a1")
        queue.schedule(at: at(20), "b")
        queue.schedule(at: at(10), "a2")
        let first = queue.nextDeadline()
        #expect(first == at(10))
        #expect(drain(&queue, now: 9).isEmpty)
        #expect(drain(&queue, now: 10) == ["a1", "a2"])
        #expect(drain(&queue, now: 100) == ["b", "c"])
        #expect(queue.count == 0)
        let none = queue.nextDeadline()
        #expect(none == nil)
    }

    @Test func cancelledTimersNeverFire() {
        var queue = TimerQueue<String>()
        let first = queue.schedule(at: at(10), "first")
        queue.schedule(at: at(20), "second")
        let cancelled = queue.cancel(first)
        let cancelledAgain = queue.cancel(first)
        #expect(cancelled)
        #expect(!cancelledAgain)
        let next = queue.nextDeadline()
        #expect(next == at(20))
        #expect(drain(&queue, now: 50) == ["second"])
    }

    @Test func manyCancellationsCompactTheHeap() {
        var queue = TimerQueue<Int>()
        var kept: [Int] = []
        for index in 0..<5_000 {
            let id = queue.schedule(at: at(UInt64(10_000 - index)), index)
            if index % 100 == 0 { kept.append(index) } else { queue.cancel(id) }
        }
        #expect(queue.count == kept.count)
        var fired: [Int] = []
        while let due = queue.popDue(now: at(20_000)) { fired.append(due) }
        #expect(fired == kept.reversed())
    }

    @Test func instantsMoveBothWaysWithoutWrapping() {
        let start = at(5)
        #expect(start.advanced(by: .milliseconds(20)) == at(25))
        #expect(start.advanced(by: .milliseconds(-20)) == LoopInstant(nanoseconds: 0))
        #expect(at(25).milliseconds(since: start) == 20)
        #expect(start.milliseconds(since: at(25)) == 0)
    }
}
