import Foundation
import Scheduler

/// Each key's `ratePerSecond` (when it has one): a token bucket per key, on the clock it is given.
/// A request beyond the rate gets 429 with how long to wait.
final class APIRateLimiter<C: Clock>: @unchecked Sendable where C.Duration == Duration {
    // @unchecked Sendable: `lock` guards `buckets`; `clock` and `rates` never change.
    private let clock: C
    private let rates: [String: Double]
    private let lock = NSLock()
    private var buckets: [String: TokenBucket<C>] = [:]

    init(keys: [APIKey], clock: C) {
        self.clock = clock
        rates = Dictionary(keys.compactMap { key in key.ratePerSecond.map { (key.name, $0) } }, uniquingKeysWith: { first, _ in first })
    }

    /// Requests per second by name (a drop-in profile's `dialoutLimitPerSecond`).
    init(rates: [String: Double], clock: C) {
        self.clock = clock
        self.rates = rates
    }

    /// Nil when `key` may make a request now (and it is counted); else the seconds to wait.
    func admit(_ key: String) -> Int? {
        guard let rate = rates[key] else { return nil }
        let now = clock.now
        return lock.withLock {
            var bucket = buckets[key] ?? TokenBucket(rate: rate, burst: max(1, Int(rate)))
            defer { buckets[key] = bucket }
            guard bucket.availableTokens(now: now) > 0 else {
                let wait = now.duration(to: bucket.nextDeadline(now: now))
                return max(1, Int((Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18).rounded(.up)))
            }
            bucket.take(now: now)
            return nil
        }
    }
}
