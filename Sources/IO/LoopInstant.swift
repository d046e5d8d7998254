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
