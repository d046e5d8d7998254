import Telephony

/// Decides what happens to a contact after an attempt (DESIGN.md "Default retry classes"):
/// answered calls are done; busy, no-answer, unavailable and error are retried after
/// `retryIntervalSec` (or the response's `Retry-After`, if later) while `maxRetryNo` retries remain
/// and the class is in `retryOn`; declined, invalid numbers and incompatible calls are final; interrupted calls are never redialed automatically.
/// A person put through to an agent (`transferred`, `agent-disconnected`) or left waiting for one
/// (`abandoned`) was reached: final, whatever the status says (calling an abandoned person back
/// at once would be a second abandoned call).
public struct RetryPolicy: Sendable, Equatable {
    public var maxRetryNo: Int
    public var retryIntervalSec: Int
    public var retryOn: [RetryClass]

    public init(maxRetryNo: Int, retryIntervalSec: Int, retryOn: [RetryClass]) {
        self.maxRetryNo = maxRetryNo
        self.retryIntervalSec = retryIntervalSec
        self.retryOn = retryOn
    }

    public init(_ settings: CampaignSettings) {
        self.init(maxRetryNo: settings.maxRetryNo, retryIntervalSec: settings.retryIntervalSec, retryOn: settings.retryOn)
    }

    public enum Decision: Sendable, Equatable {
        case retry(afterSeconds: Int)
        case final(ContactState)
    }

    /// - Parameter attemptsMade: attempts including the one that just ended (the first is 1).
    public func decide(_ outcome: CallOutcome, attemptsMade: Int) -> Decision {
        switch outcome.reasonCode {
        case .interrupted: return .final(.interrupted)
        case .transferred, .abandoned, .agentDisconnected: return .final(.done)
        default: break
        }
        switch outcome.status {
        case .completed:
            return .final(.done)
        case .failed:
            let retryClass: RetryClass?
            switch outcome.reasonCode {
            case .busy: retryClass = .busy
            case .noAnswer: retryClass = .noAnswer
            case .unavailable: retryClass = .unavailable
            case .error: retryClass = .error
            default: retryClass = nil  // declined, invalid-number, incompatible: never retried
            }
            guard let retryClass, retryOn.contains(retryClass), attemptsMade - 1 < maxRetryNo else { return .final(.failed) }
            // RFC 3261 §20.33: never sooner than the callee's Retry-After.
            return .retry(afterSeconds: max(retryIntervalSec, outcome.retryAfter ?? 0))
        }
    }
}
