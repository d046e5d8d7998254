import Testing
@testable import Scheduler

/// Retention by time: the waits between tries and the moment a webhook is given up.
@Suite struct WebhookRetryPolicyTests {
    let enqueued: Int64 = 1_795_290_000_000

    /// The tries a webhook that always fails gets: (tries so far, when the next one is), from the first
    /// try at enqueueing until it is given up.
    func schedule(_ policy: WebhookRetryPolicy) -> (tryTimes: [Int64], gaveUpAt: Int64) {
        var now = enqueued
        var tries = 0
        var tryTimes: [Int64] = []
        while true {
            tryTimes.append(now)
            tries += 1
            guard let next = policy.retryAt(tries: tries, enqueuedAt: enqueued, now: now) else { return (tryTimes, now) }
            #expect(next > now)
            now = next
        }
    }

    @Test func waitsDoubleFromOneSecondUpToAMinute() {
        let times = schedule(WebhookRetryPolicy(retryForSec: 86_400)).tryTimes
        let waits = zip(times.dropFirst(), times).map { ($0 - $1) / 1000 }
        #expect(Array(waits.prefix(9)) == [1, 2, 4, 8, 16, 32, 60, 60, 60])
        #expect(waits.dropLast().allSatisfy { $0 <= 60 })
    }

    @Test func aDayOfFailuresIsTriedUntilTheDayIsOverThenGivenUp() {
        let (times, gaveUpAt) = schedule(WebhookRetryPolicy(retryForSec: 86_400))
        let deadline = enqueued + 86_400_000
        // The last try is at the deadline itself (not lost to a back-off step that would pass it), and
        // it is the one that gives up; every earlier one is before it.
        #expect(gaveUpAt == deadline)
        #expect(times.dropLast().allSatisfy { $0 < deadline })
        // Tries at 0, 1, 3, 7, 15 and 31 s, then 63 s + one a minute up to 86,343 s (1,439), then 86,400 s.
        #expect(times.count == 6 + 1_439 + 1)
        // A try that fails a second before the deadline is still retried, at the deadline.
        #expect(WebhookRetryPolicy(retryForSec: 86_400).retryAt(tries: 500, enqueuedAt: enqueued, now: deadline - 1000) == deadline)
    }

    @Test func theDeadlineCountsFromEnqueueingNotFromTheFirstTry() {
        // A call's later event waited 23 h behind an earlier one; it has one hour left, not a day.
        let policy = WebhookRetryPolicy(retryForSec: 86_400)
        let firstTry = enqueued + 23 * 3_600_000
        #expect(policy.retryAt(tries: 1, enqueuedAt: enqueued, now: firstTry) == firstTry + 1000)
        #expect(policy.retryAt(tries: 60, enqueuedAt: enqueued, now: enqueued + 24 * 3_600_000) == nil)
        // Its first try, even after the deadline, is still made (a failure then gives it up).
        #expect(policy.retryAt(tries: 1, enqueuedAt: enqueued, now: enqueued + 25 * 3_600_000) == nil)
    }

    @Test func maxRetryNoIsAnExtraCapOnlyWhenSet() {
        let capped = WebhookRetryPolicy(retryForSec: 86_400, maxRetryNo: 2)
        #expect(capped.retryAt(tries: 2, enqueuedAt: enqueued, now: enqueued + 1000) == enqueued + 3000)
        #expect(capped.retryAt(tries: 3, enqueuedAt: enqueued, now: enqueued + 3000) == nil)
        #expect(WebhookRetryPolicy(retryForSec: 86_400, maxRetryNo: 0).retryAt(tries: 1, enqueuedAt: enqueued, now: enqueued) == nil)
        // Unset, a thousand failures an hour in are retried.
        #expect(WebhookRetryPolicy(retryForSec: 86_400).retryAt(tries: 1_000, enqueuedAt: enqueued, now: enqueued + 3_600_000)
                == enqueued + 3_660_000)
    }

    @Test func aURLThatCannotBePostedToIsGivenUpAtOnce() {
        #expect(WebhookRetryPolicy().retryAt(tries: 1, enqueuedAt: enqueued, now: enqueued, permanent: true) == nil)
    }
}
