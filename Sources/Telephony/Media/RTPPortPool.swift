import Foundation

/// The RTP ports calls may use (`sip.rtpPortMin...rtpPortMax`): even ports for RTP, the odd port
/// above each for RTCP (RFC 3550 §11). A port goes back to the pool when its call ends; a call that
/// finds the pool empty waits for one instead of failing.
public final class RTPPortPool: @unchecked Sendable {
    // @unchecked Sendable: `lock` guards `free`, `waiters` and `busyElsewhere`.
    private let lock = NSLock()
    private var free: [Int]
    private var waiters: [CheckedContinuation<Int, Never>] = []
    public let range: ClosedRange<Int>

    /// Every even port of `range` whose odd neighbour is in it too.
    public init(range: ClosedRange<Int>) {
        self.range = range
        let first = range.lowerBound % 2 == 0 ? range.lowerBound : range.lowerBound + 1
        // Handed out lowest first, and reused last-in first-out while calls come and go.
        free = Array(stride(from: first, through: range.upperBound - 1, by: 2).reversed())
    }

    /// How many ports could be handed out now.
    public var available: Int { lock.withLock { free.count } }

    /// The number of RTP ports in the pool (each with its RTCP port): the media calls it can carry.
    public var capacity: Int {
        let first = range.lowerBound % 2 == 0 ? range.lowerBound : range.lowerBound + 1
        return max(0, (range.upperBound - 1 - first) / 2 + 1)
    }

    /// A free port now, or nil.
    public func tryAcquire() -> Int? {
        lock.withLock { free.popLast() }
    }

    /// A free port, waiting for one if none is free. `onWait` is called (once) when it has to wait.
    public func acquire(onWait: () -> Void = {}) async -> Int {
        if let port = tryAcquire() { return port }
        onWait()
        return await withCheckedContinuation { continuation in
            let port = lock.withLock { () -> Int? in
                if let port = free.popLast() { return port }
                waiters.append(continuation)
                return nil
            }
            if let port { continuation.resume(returning: port) }
        }
    }

    /// Returns a port that could not be bound (something else holds it) to the back of the pool, so
    /// the ports after it are tried first.
    public func releaseBusy(_ port: Int) {
        let waiter = lock.withLock { () -> CheckedContinuation<Int, Never>? in
            free.insert(port, at: 0)
            return waiters.isEmpty ? nil : waiters.removeFirst()
        }
        if let waiter, let next = tryAcquire() { waiter.resume(returning: next) } else if let waiter { lock.withLock { waiters.insert(waiter, at: 0) } }
    }

    /// Returns `port` to the pool, or hands it straight to a call waiting for one.
    public func release(_ port: Int) {
        let waiter = lock.withLock { () -> CheckedContinuation<Int, Never>? in
            if !waiters.isEmpty { return waiters.removeFirst() }
            free.append(port)
            return nil
        }
        waiter?.resume(returning: port)
    }
}
