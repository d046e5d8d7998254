/// How a call attempt ended, in the vocabulary of the outbound-calling APIs (DESIGN.md "Outcomes").
public struct CallOutcome: Sendable, Equatable, CustomStringConvertible {
    public enum Status: String, Sendable, Equatable {
        /// The call was answered.
        case completed
        /// The call was never answered.
        case failed
    }

    public enum ReasonCode: String, Sendable, Equatable {
        // failed
        case noAnswer = "no-answer"
        case busy
        case declined
        case invalidNumber = "invalid-number"
        case unavailable
        /// The far end requires what we cannot do (421, 488, 415 and the like): not retried.
        case incompatible
        case error
        // completed
        case clientDisconnected = "client-disconnected"
        case dialerDisconnected = "dialer-disconnected"
        case machineDetected = "machine-detected"
        case maxDuration = "max-duration"
        /// Connected to an agent or bot and the agent's side hung up first.
        case agentDisconnected = "agent-disconnected"
        /// Handed over by REFER: the far end took the call (2xx in the NOTIFY).
        case transferred
        /// To be connected, but nobody took the person in time: `abandonPlay` played, hung up.
        case abandoned
        // either
        case interrupted
    }

    public var status: Status
    public var reasonCode: ReasonCode
    /// The final SIP status code, when one decided the outcome.
    public var sipCode: Int?
    /// The SIP reason phrase, or what happened in words.
    public var reason: String?
    /// The failure response's `Retry-After` in seconds (RFC 3261 §20.33): not to be called again sooner.
    public var retryAfter: Int?

    public init(status: Status, reasonCode: ReasonCode, sipCode: Int? = nil, reason: String? = nil, retryAfter: Int? = nil) {
        self.status = status
        self.reasonCode = reasonCode
        self.sipCode = sipCode
        self.reason = reason
        self.retryAfter = retryAfter
    }

    /// The outcome of an INVITE that got final response `code` and was never answered.
    public static func failed(sipCode code: Int, reason: String?) -> CallOutcome {
        let reasonCode: ReasonCode
        switch code {
        case 408, 480, 487: reasonCode = .noAnswer
        case 486, 600: reasonCode = .busy
        case 603: reasonCode = .declined
        case 404, 484, 604: reasonCode = .invalidNumber
        // Bad extension, extension required, session interval too small, unsupported media type,
        // not acceptable here: what we offer or support is not what the callee needs.
        case 415, 420, 421, 422, 488, 606: reasonCode = .incompatible
        case 500..<600: reasonCode = .unavailable
        default: reasonCode = .error
        }
        return CallOutcome(status: .failed, reasonCode: reasonCode, sipCode: code, reason: reason)
    }

    public var description: String {
        "\(status.rawValue) \(reasonCode.rawValue)" + (sipCode.map { " \($0)" } ?? "") + (reason.map { " (\($0))" } ?? "")
    }
}
