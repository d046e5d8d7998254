import Telephony

/// `onHuman.connect` / `onMachine.connect`: where an answered call is put through, how, and (for
/// people) how fast the campaign dials for the agents or bot sessions waiting on the far end.
public struct ConnectSettings: Sendable, Equatable, Codable {
    /// How the call is put through: `bridge` or `refer`.
    public typealias Method = ConnectPlan.Method

    /// A SIP URI (`sip:bot@10.0.0.5:5080`) or an E.164 number, in canonical form.
    public var target: String
    /// The trunk a numbered target is dialed through; nil: the campaign's own trunk rule.
    public var trunk: String?
    public var method: Method = .bridge
    public var timeoutSec: Int = 20
    /// Extra headers on the second leg's INVITE (bridge) or the REFER, besides the call's identity.
    public var headers: [HeaderField] = []
    /// Absolute paths of 8 kHz mono WAV files, confined to the prompts folder like `play`.
    public var holdPlay: String?
    public var abandonPlay: String?
    /// Agents or bot sessions available at once; nil: calls are paced by `maxConcurrentCalls` alone.
    public var maxConcurrent: Int?
    /// Calls dialed per free slot: 1.0 is progressive, more is predictive (`onHuman.connect` only).
    public var dialRatio: Double = 1.0
    /// Abandoned calls per person answered that predictive dialing must stay under (the US limit).
    public var maxAbandonRate: Double = 0.03

    public init(target: String) {
        self.target = target
    }

    /// Whether the campaign dials ahead of its free slots and so needs the abandonment governor.
    public var isPredictive: Bool { maxConcurrent != nil && dialRatio > 1 }
}
