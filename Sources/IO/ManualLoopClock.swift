import Foundation

/// A clock that moves only when told to. Loops using it run the timers that became due on their
/// own thread, right after `advance(by:)`; `advance(by:)` returns once they have.
public final class ManualLoopClock: LoopClock, @unchecked Sendable {
    // @unchecked Sendable: `lock` guards `current` and `loops`.
    private let lock = NSLock()
    private var current: LoopInstant
    private var loops: [EventLoop] = []

    public init(start: LoopInstant = LoopInstant(nanoseconds: 1_000_000_000)) {
        current = start
    }

    public func now() -> LoopInstant { lock.withLock { current } }
    public var isRealTime: Bool { false }

    public func attach(_ loop: EventLoop) {
        lock.withLock { loops.append(loop) }
    }

    /// Moves the time on by `duration` and waits until every attached loop has run what fell due.
    public func advance(by duration: Duration) async {
        let loops = lock.withLock { () -> [EventLoop] in
            current = current.advanced(by: duration)
            return self.loops
        }
        // Each loop checks its timers after running submitted work: one round trip each is enough.
        for loop in loops { await loop.submit {} }
    }
}
