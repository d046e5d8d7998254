import Foundation

/// A fixed set of event loops, one thread each (config `runtime.threads`, default: one per core).
/// New work (a call, a connection) is given to the loops in turn.
public final class EventLoopGroup: Sendable {
    public let loops: [EventLoop]
    private let cursor = Cursor()

    // @unchecked Sendable: `lock` guards `next`.
    private final class Cursor: @unchecked Sendable {
        let lock = NSLock()
        var next = 0
    }

    /// Starts `threads` loops (at least one) named `name-0`, `name-1`, …, each asking for real-time
    /// scheduling at `realtimePriority` when given (see `EventLoop.scheduling`).
    public init(threads: Int = ProcessInfo.processInfo.activeProcessorCount, name: String = "campaignd-io",
                clock: any LoopClock = SystemLoopClock.shared, realtimePriority: Int32? = nil) throws(IOError) {
        var loops: [EventLoop] = []
        for index in 0..<max(1, threads) {
            loops.append(try EventLoop(name: "\(name)-\(index)", clock: clock, realtimePriority: realtimePriority))
        }
        self.loops = loops
    }

    /// The next loop in turn.
    public func next() -> EventLoop {
        cursor.lock.withLock {
            let loop = loops[cursor.next % loops.count]
            cursor.next &+= 1
            return loop
        }
    }

    /// Asks every loop to stop after its queued work, without waiting for their threads.
    public func shutdown() {
        for loop in loops { loop.shutdown() }
    }

    /// Stops every loop after its queued work and suspends the caller until their threads have ended.
    public func shutdownGracefully() async {
        for loop in loops { await loop.shutdownGracefully() }
    }
}
