import Testing
import Telephony
@testable import Scheduler

/// A failure's `Retry-After` (RFC 3261 §20.33) holds the next attempt back; `incompatible` is final.
@Suite struct RetryAfterTests {
    let policy = RetryPolicy(maxRetryNo: 3, retryIntervalSec: 5, retryOn: [.busy, .noAnswer, .unavailable, .error])

    @Test(arguments: [
        (503, CallOutcome.ReasonCode.unavailable, 120, 120), (486, .busy, 30, 30), (480, .noAnswer, 600, 600),
        // A Retry-After shorter than the campaign's interval changes nothing.
        (503, .unavailable, 2, 5),
    ])
    func nextAttemptIsNotBeforeRetryAfter(code: Int, reasonCode: CallOutcome.ReasonCode, retryAfter: Int, expected: Int) {
        let outcome = CallOutcome(status: .failed, reasonCode: reasonCode, sipCode: code, retryAfter: retryAfter)
        #expect(policy.decide(outcome, attemptsMade: 1) == .retry(afterSeconds: expected))
    }

    @Test func retryAfterDoesNotOutlastTheRetries() {
        let outcome = CallOutcome(status: .failed, reasonCode: .busy, sipCode: 486, retryAfter: 120)
        #expect(policy.decide(outcome, attemptsMade: 4) == .final(.failed))
    }

    @Test func incompatibleIsNeverRetried() {
        for code in [415, 421, 488] {
            let outcome = CallOutcome.failed(sipCode: code, reason: nil)
            #expect(outcome.reasonCode == .incompatible)
            #expect(policy.decide(outcome, attemptsMade: 1) == .final(.failed))
        }
    }
}
