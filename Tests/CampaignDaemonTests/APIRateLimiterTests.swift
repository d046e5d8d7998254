import Foundation
import Testing
@testable import CampaignDaemon

/// A key's `ratePerSecond` on a clock the test moves by hand.
@Suite struct APIRateLimiterTests {
    /// Time that moves only when the test says.
    final class StepClock: Clock, @unchecked Sendable {
        // @unchecked Sendable: `lock` guards `current`.
        struct Instant: InstantProtocol, Sendable {
            var offset: Duration
            func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
            func duration(to other: Instant) -> Duration { other.offset - offset }
            static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
        }

        private let lock = NSLock()
        private var current = Instant(offset: .seconds(100))
        var now: Instant { lock.withLock { current } }
        var minimumResolution: Duration { .nanoseconds(1) }
        func sleep(until deadline: Instant, tolerance: Duration?) async throws {}
        func advance(by duration: Duration) { lock.withLock { current = current.advanced(by: duration) } }
    }

    @Test func aKeyGetsItsRateAndIsToldHowLongToWait() {
        let clock = StepClock()
        let limiter = APIRateLimiter(keys: [
            APIKey(name: "crm", secret: "crm-secret-0123456789", scopes: [.calls], ratePerSecond: 2),
            APIKey(name: "free", secret: "free-secret-0123456789", scopes: [.calls]),
        ], clock: clock)
        // One request every half second, by deadlines from the first.
        #expect(limiter.admit("crm") == nil)
        #expect(limiter.admit("crm") == 1, "the second at the same instant waits (half a second, rounded up to 1 s)")
        clock.advance(by: .milliseconds(500))
        #expect(limiter.admit("crm") == nil)
        #expect(limiter.admit("crm") != nil)
        clock.advance(by: .milliseconds(499))
        #expect(limiter.admit("crm") != nil, "not before its deadline")
        clock.advance(by: .milliseconds(1))
        #expect(limiter.admit("crm") == nil)
        // A key without ratePerSecond is never held up.
        #expect((0..<1000).allSatisfy { _ in limiter.admit("free") == nil })
        // After a long pause no flood is saved up: the rate starts again from then.
        clock.advance(by: .seconds(60))
        #expect(limiter.admit("crm") == nil)
        #expect(limiter.admit("crm") != nil)
    }
}
