/// Paces calls at `rate` per second by deadlines: token n is due at `origin + n / rate`, so over
/// a long run the number of calls started is rate × time, whatever the delays in between.
///
/// A consumer running late by up to `burst` tokens' worth catches up (so a busy loop keeps the
/// rate); after a longer idle stretch the schedule restarts from now with one token, so a pause is
/// never followed by a flood. Generic over the clock; the caller sleeps until `nextDeadline`.
public struct TokenBucket<C: Clock>: Sendable where C.Duration == Duration {
    public private(set) var rate: Double
    public let burst: Int
    private var origin: C.Instant?
    private var issued = 0

    /// - Parameters:
    ///   - rate: tokens per second (fractions allowed: 0.1 is one every 10 s).
    ///   - burst: how many tokens' worth of lateness is caught up rather than dropped.
    public init(rate: Double, burst: Int = 1) {
        precondition(rate > 0, "a rate must be positive")
        self.rate = rate
        self.burst = max(1, burst)
    }

    /// When the next token is available (never in the past).
    public func nextDeadline(now: C.Instant) -> C.Instant {
        guard let origin else { return now }
        let due = origin.advanced(by: Self.seconds(Double(issued) / rate))
        return due < now ? now : due
    }

    /// How many tokens are due at `now` (so many calls may start at once without breaking the rate).
    public func availableTokens(now: C.Instant) -> Int {
        guard let origin else { return 1 }
        let elapsed = origin.duration(to: now)
        // After an idle stretch `take` restarts the schedule from now: one token.
        if elapsed > Self.seconds(Double(issued) / rate + Double(burst) / rate) { return 1 }
        let dueByNow = Int((Self.secondsValue(elapsed) * rate).rounded(.down)) + 1
        return max(0, dueByNow - issued)
    }

    static func secondsValue(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    /// Takes the next token at `now`, which must be at or after `nextDeadline(now:)`.
    public mutating func take(now: C.Instant) {
        if let origin {
            // Idle for longer than `burst` tokens' worth: start a new schedule rather than catch up.
            let lateness = origin.advanced(by: Self.seconds(Double(issued) / rate)).duration(to: now)
            if lateness > Self.seconds(Double(burst) / rate) {
                self.origin = now
                issued = 0
            }
        } else {
            origin = now
            issued = 0
        }
        issued += 1
    }

    /// Changes the rate from `now` on, keeping the tokens already scheduled in the past.
    public mutating func setRate(_ newRate: Double, now: C.Instant) {
        precondition(newRate > 0, "a rate must be positive")
        let next = nextDeadline(now: now)
        rate = newRate
        origin = next
        issued = 0
    }

    static func seconds(_ value: Double) -> Duration {
        .nanoseconds(Int64((value * 1_000_000_000).rounded()))
    }
}
