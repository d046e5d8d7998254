/// The UAC side of RFC 3262 (reliable provisional responses) for one INVITE, as a value: which
/// provisional responses to acknowledge with PRACK and which to drop.
///
/// §4: the first reliable provisional sets the expected sequence; each later one must carry the
/// next RSeq. A retransmission (same or lower RSeq) is dropped without a second PRACK (our PRACK's
/// own transaction retransmits until the callee answers it), and one that skips ahead is dropped
/// until the callee retransmits the missing one.
public struct ReliableProvisionalStateMachine: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        /// No reliable provisional response yet.
        case waiting
        /// The last RSeq acknowledged.
        case acknowledged(rseq: UInt32)
        /// The INVITE got its final response: nothing more to acknowledge.
        case finished
    }

    public enum Action: Sendable, Equatable {
        /// A new provisional response: hand it to the call (events, early dialog, early SDP).
        case pass
        /// Acknowledge it with a PRACK whose `RAck` is this value (`RSeq CSeq-number INVITE`).
        case sendPRACK(rack: String)
        /// A retransmission or out of order: nothing to do.
        case discard
    }

    public private(set) var state: State = .waiting

    public init() {}

    /// A 1xx (other than 100) to the INVITE with CSeq number `cseq`. `rseq` is its RSeq when it
    /// has `Require: 100rel`, nil for an unreliable provisional.
    public mutating func provisionalReceived(rseq: UInt32?, cseq: UInt32) -> [Action] {
        guard let rseq else { return state == .finished ? [.discard] : [.pass] }
        switch state {
        case .finished:
            return [.discard]
        case .acknowledged(let last) where rseq != last &+ 1:
            return [.discard]
        case .waiting, .acknowledged:
            state = .acknowledged(rseq: rseq)
            return [.pass, .sendPRACK(rack: "\(rseq) \(cseq) INVITE")]
        }
    }

    /// The INVITE got a final response.
    public mutating func finalResponseReceived() {
        state = .finished
    }

    /// A new INVITE replaces the old one (after a challenge, a 422 or a redirect): a new sequence.
    public mutating func inviteReplaced() {
        state = .waiting
    }
}
