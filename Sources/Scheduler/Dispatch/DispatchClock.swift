import Foundation

/// The dispatcher's one source of time: a monotonic clock for pacing and sleeping, and the wall
/// time its instants stand for, for calling windows and the queue's due times. Tests use a manual
/// clock for both.
public protocol DispatchClock: Clock, Sendable where Duration == Swift.Duration, Instant: Sendable {
    /// The wall time at `instant`.
    func date(at instant: Instant) -> Date
}

extension DispatchClock {
    /// Milliseconds since the epoch at `instant` (the queue's time stamps).
    func milliseconds(at instant: Instant) -> Int64 {
        Int64((date(at: instant).timeIntervalSince1970 * 1000).rounded(.down))
    }
}

extension ContinuousClock: DispatchClock {
    public func date(at instant: Instant) -> Date {
        Date().addingTimeInterval(TokenBucket<ContinuousClock>.secondsValue(now.duration(to: instant)))
    }
}
