/// When a webhook that failed is tried again, and when it is given up: kept by time, not by count,
/// so a receiver that is down for hours still gets everything once it is back.
///
/// A failed post is tried again after 1, 2, 4 … seconds, doubling up to `backoffCapSec`, until
/// `retryForSec` after the webhook was enqueued; the last retry is moved to that deadline so none
/// is lost to a long back-off step, and a try that fails at or after it gives the webhook up. The
/// deadline counts from enqueueing, not from the first try, because a call's later events wait
/// behind its earlier ones (order per call): counting from the first try would let a chain of events
/// stay in the outbox for `retryForSec` per event.
public struct WebhookRetryPolicy: Sendable, Equatable {
    /// How long after it was enqueued a webhook is still tried.
    public var retryForSec: Int
    /// An extra cap on retries after the first try (nil: only time decides), for configurations
    /// that set `notifications.maxRetryNo`.
    public var maxRetryNo: Int?
    /// The longest wait between two tries.
    public static let backoffCapSec = 60

    public init(retryForSec: Int = 86_400, maxRetryNo: Int? = nil) {
        self.retryForSec = retryForSec
        self.maxRetryNo = maxRetryNo
    }

    /// When to try again after a failed try, or nil to give up.
    /// - Parameters:
    ///   - tries: tries made so far, the failed one included.
    ///   - enqueuedAt: when the webhook was enqueued (ms since the epoch).
    ///   - now: when the try failed (ms since the epoch).
    ///   - permanent: whether the failure cannot get better by waiting (a URL this client cannot post to).
    public func retryAt(tries: Int, enqueuedAt: Int64, now: Int64, permanent: Bool = false) -> Int64? {
        if permanent { return nil }
        if let maxRetryNo, tries > maxRetryNo { return nil }
        let deadline = enqueuedAt + Int64(retryForSec) * 1000
        guard now < deadline else { return nil }
        return min(now + Int64(Self.backoffSec(afterTries: tries)) * 1000, deadline)
    }

    /// The wait after the `tries`-th failed try: 1, 2, 4 … s, at most `backoffCapSec`.
    static func backoffSec(afterTries tries: Int) -> Int {
        min(backoffCapSec, 1 << min(max(tries - 1, 0), 6))
    }
}
