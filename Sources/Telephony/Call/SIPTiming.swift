/// RFC 3261 timer values (§17.1.1.1, Table 4). Configurable so tests and local peers can use short ones.
public struct SIPTiming: Sendable, Equatable {
    /// Round-trip estimate; 500 ms on the Internet.
    public var t1: Duration
    /// Longest retransmission interval for non-INVITE requests.
    public var t2: Duration
    /// Longest time a message stays in the network.
    public var t4: Duration

    public init(t1: Duration = .milliseconds(500), t2: Duration = .seconds(4), t4: Duration = .seconds(5)) {
        self.t1 = t1
        self.t2 = t2
        self.t4 = t4
    }

    public static let standard = SIPTiming()

    /// Timer B and F: give up on a transaction after 64·T1.
    public var transactionTimeout: Duration { t1 * 64 }
    /// Timer D: how long an INVITE client transaction absorbs retransmitted final responses (≥ 32 s on UDP).
    public var timerD: Duration { max(.seconds(32), t1 * 64) }
}

/// The RFC 3261 client transaction timers.
public enum SIPTimer: String, Sendable, Hashable {
    case a, b, d, e, f, k
}
