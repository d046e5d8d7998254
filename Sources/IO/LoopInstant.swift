#if canImport(Glibc)
import Glibc
#endif

/// A point on an event loop's clock: nanoseconds on a monotonic timeline (CLOCK_MONOTONIC for the
/// system clock, whatever a test sets for a manual one).
public struct LoopInstant: Comparable, Hashable, Sendable {
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) {
        self.nanoseconds = nanoseconds
    }

    public static func < (lhs: LoopInstant, rhs: LoopInstant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// `self` moved on by `duration` (negative durations move back, never below zero).
    public func advanced(by duration: Duration) -> LoopInstant {
        let delta = duration.nanosecondsClamped
        if delta >= 0 { return LoopInstant(nanoseconds: nanoseconds &+ UInt64(delta)) }
        let back = UInt64(-delta)
        return LoopInstant(nanoseconds: back > nanoseconds ? 0 : nanoseconds - back)
    }

    /// The time from `earlier` to `self` (zero when `earlier` is later).
    public func duration(since earlier: LoopInstant) -> Duration {
        guard nanoseconds > earlier.nanoseconds else { return .zero }
        return .nanoseconds(Int64(nanoseconds - earlier.nanoseconds))
    }

    /// Milliseconds from `earlier` to `self`, rounded down (zero when `earlier` is later).
    public func milliseconds(since earlier: LoopInstant) -> Int64 {
        nanoseconds > earlier.nanoseconds ? Int64((nanoseconds - earlier.nanoseconds) / 1_000_000) : 0
    }
}

extension Duration {
    /// Whole nanoseconds, clamped to Int64 (durations of centuries are not timers).
    public var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        if seconds > Int64.max / 1_000_000_000 { return .max }
        if seconds < Int64.min / 1_000_000_000 { return .min }
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// Where an event loop reads the time. The system clock is CLOCK_MONOTONIC; a `ManualLoopClock`
/// only moves when a test moves it, so timers are tested without sleeping.
public protocol LoopClock: AnyObject, Sendable {
    func now() -> LoopInstant
    /// Whether the loop may sleep until its next timer (false for a manual clock: nothing is due
    /// until the test advances it).
    var isRealTime: Bool { get }
    /// Called once by each loop that uses this clock, so the clock can wake it when time moves.
    func attach(_ loop: EventLoop)
}

/// CLOCK_MONOTONIC, shared by every loop that does not get a manual clock.
public final class SystemLoopClock: LoopClock {
    public static let shared = SystemLoopClock()

    public init() {}

    public func now() -> LoopInstant {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return LoopInstant(nanoseconds: UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec))
    }

    public var isRealTime: Bool { true }
    public func attach(_ loop: EventLoop) {}
}
