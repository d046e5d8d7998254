import Foundation
import Testing
@testable import Scheduler

@Suite struct TokenBucketTests {
    typealias Bucket = TokenBucket<ManualClock>
    let start = ManualClock.Instant(offset: .zero)

    /// Takes tokens for `seconds`, each as soon as it is due plus a late consumer's `lateness`; returns how many.
    func tokens(_ bucket: inout Bucket, for seconds: Double, lateness: (Int) -> Duration = { _ in .zero }) -> Int {
        var now = start
        let end = start.advanced(by: .milliseconds(Int64(seconds * 1000)))
        var count = 0
        while true {
            let due = bucket.nextDeadline(now: now)
            let taken = due.advanced(by: lateness(count))
            if taken >= end { return count }
            now = taken
            bucket.take(now: now)
            count += 1
        }
    }

    @Test(arguments: [1.0, 10, 50, 200])
    func holdsTheRateExactly(rate: Double) {
        var bucket = Bucket(rate: rate)
        #expect(tokens(&bucket, for: 60) == Int(rate * 60))
    }

    @Test func lateConsumersDoNotDrift() {
        // Each take is up to 40 ms late, as a busy event loop would be; the deadlines absorb it.
        var bucket = Bucket(rate: 10)
        let count = tokens(&bucket, for: 60) { n in .milliseconds(Int64(n * 37 % 41)) }
        #expect(count >= 599 && count <= 600)
    }

    @Test func fractionalRates() {
        var bucket = Bucket(rate: 0.1)
        var deadlines: [Duration] = []
        var now = start
        for _ in 0..<4 {
            now = bucket.nextDeadline(now: now)
            deadlines.append(now.offset)
            bucket.take(now: now)
        }
        #expect(deadlines == [.zero, .seconds(10), .seconds(20), .seconds(30)])
    }

    @Test func idleTimeIsNotCaughtUpAsABurst() {
        var bucket = Bucket(rate: 2)
        bucket.take(now: start)
        let later = start.advanced(by: .seconds(30))
        #expect(bucket.nextDeadline(now: later) == later)
        bucket.take(now: later)
        #expect(bucket.nextDeadline(now: later) == later.advanced(by: .milliseconds(500)))
    }

    @Test func globalAndCampaignBucketsTogether() {
        // A call needs a token from both: the slower one sets the pace.
        var global = Bucket(rate: 20), campaign = Bucket(rate: 5)
        var now = start
        var count = 0
        let end = start.advanced(by: .seconds(10))
        while true {
            let due = max(global.nextDeadline(now: now), campaign.nextDeadline(now: now))
            if due >= end { break }
            now = due
            global.take(now: now)
            campaign.take(now: now)
            count += 1
        }
        #expect(count == 50)
    }

    @Test func halvingTheRateTakesEffectFromNow() {
        var bucket = Bucket(rate: 10)
        bucket.take(now: start)
        bucket.setRate(5, now: start)
        var now = start
        var deadlines: [Duration] = []
        for _ in 0..<3 {
            now = bucket.nextDeadline(now: now)
            deadlines.append(now.offset)
            bucket.take(now: now)
        }
        #expect(deadlines == [.milliseconds(100), .milliseconds(300), .milliseconds(500)])
    }
}

@Suite struct ConcurrencyGateTests {
    @Test func limitsReleasesAndReclaims() {
        var gate = ConcurrencyGate<ManualClock, Int>(limit: 2, expiry: .seconds(1200))
        let t0 = ManualClock.Instant(offset: .zero)
        let first = gate.acquire(1, now: t0)
        let second = gate.acquire(2, now: t0.advanced(by: .seconds(600)))
        let third = gate.acquire(3, now: t0)
        #expect(first && second && !third)
        gate.release(1)
        let again = gate.acquire(3, now: t0.advanced(by: .seconds(700)))
        #expect(again)
        let early = gate.reclaimExpired(now: t0.advanced(by: .seconds(1799)))
        let late = gate.reclaimExpired(now: t0.advanced(by: .seconds(1800)))
        #expect(early == [] && late == [2])
        #expect(gate.inUse == 1)
    }

    @Test func zeroMeansUnlimited() {
        var gate = ConcurrencyGate<ManualClock, Int>(limit: 0, expiry: .seconds(10))
        var all = true
        for key in 0..<1000 { all = gate.acquire(key, now: ManualClock.Instant(offset: .zero)) && all }
        #expect(all)
    }
}

@Suite struct CallingWindowTests {
    let newYork = TimeZone(identifier: "America/New_York")!
    let window = CallingWindow(CallingWindowSettings())  // 08:00-21:00 every day

    func utc(_ text: String) -> Date {
        try! Date(text, strategy: .iso8601)
    }

    @Test func edgesInTheContactsOwnZone() {
        // 2026-11-20 is a Friday; New York is UTC-5 in November.
        #expect(!window.isOpen(at: utc("2026-11-20T12:59:59Z"), in: newYork))
        #expect(window.isOpen(at: utc("2026-11-20T13:00:00Z"), in: newYork))
        #expect(window.isOpen(at: utc("2026-11-21T01:59:59Z"), in: newYork))
        #expect(!window.isOpen(at: utc("2026-11-21T02:00:00Z"), in: newYork))
        let tokyo = TimeZone(identifier: "Asia/Tokyo")!
        #expect(window.isOpen(at: utc("2026-11-20T13:00:00Z"), in: tokyo) == false)  // 22:00 in Tokyo
    }

    @Test func daylightSavingChangeDays() {
        // US clocks go forward on 2026-03-08: 08:00 local is 13:00 UTC the day before, 12:00 UTC that day.
        #expect(window.isOpen(at: utc("2026-03-07T13:00:00Z"), in: newYork))
        #expect(!window.isOpen(at: utc("2026-03-07T12:30:00Z"), in: newYork))
        #expect(window.isOpen(at: utc("2026-03-08T12:00:00Z"), in: newYork))
        #expect(!window.isOpen(at: utc("2026-03-08T11:59:00Z"), in: newYork))
        // And back on 2026-11-01: 08:00 local is 13:00 UTC again.
        #expect(!window.isOpen(at: utc("2026-11-01T12:30:00Z"), in: newYork))
        #expect(window.isOpen(at: utc("2026-11-01T13:00:00Z"), in: newYork))
        #expect(window.nextOpening(after: utc("2026-03-08T05:00:00Z"), in: newYork) == utc("2026-03-08T12:00:00Z"))
        #expect(window.nextOpening(after: utc("2026-11-01T05:00:00Z"), in: newYork) == utc("2026-11-01T13:00:00Z"))
    }

    @Test func weekdaysOnlyWaitsForMonday() {
        var settings = CallingWindowSettings()
        settings.days = [1, 2, 3, 4, 5]
        settings.start = 9 * 60
        settings.end = 17 * 60
        let weekdays = CallingWindow(settings)
        // Saturday 2026-11-21 noon in New York: closed; opens Monday 09:00 (14:00 UTC).
        #expect(!weekdays.isOpen(at: utc("2026-11-21T17:00:00Z"), in: newYork))
        #expect(weekdays.nextOpening(after: utc("2026-11-21T17:00:00Z"), in: newYork) == utc("2026-11-23T14:00:00Z"))
    }
}

@Suite struct TokenBucketBatchTests {
    let start = ManualClock.Instant(offset: .zero)

    @Test func lateConsumersCatchUpWithinBurstButNotAfterIdling() {
        var bucket = TokenBucket<ManualClock>(rate: 1000, burst: 100)
        #expect(bucket.availableTokens(now: start) == 1)  // a fresh schedule starts with one
        bucket.take(now: start)
        // 10 ms later ten more are due; a batch may take them all and the rate still holds.
        let later = start.advanced(by: .milliseconds(10))
        #expect(bucket.availableTokens(now: later) == 10)
        for _ in 0..<10 { bucket.take(now: later) }
        #expect(bucket.availableTokens(now: later) == 0)
        #expect(bucket.nextDeadline(now: later) == start.advanced(by: .milliseconds(11)))
        // After an idle second (more than 100 tokens late) the schedule restarts: one token, no flood.
        let idle = later.advanced(by: .seconds(1))
        #expect(bucket.availableTokens(now: idle) == 1)
        bucket.take(now: idle)
        #expect(bucket.availableTokens(now: idle) == 0)
    }
}
