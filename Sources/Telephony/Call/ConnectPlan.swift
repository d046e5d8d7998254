/// `onHuman.connect` / `onMachine.connect`: where an answered call is put through, and how.
public struct ConnectPlan: Sendable, Equatable {
    public enum Method: String, Sendable, Equatable, Codable, CaseIterable {
        /// Back-to-back: campaignd calls `target` and relays the audio between the two legs.
        case bridge
        /// RFC 3515: the person's leg is asked to call `target` itself (REFER with Referred-By).
        case refer
    }

    /// A SIP URI, or a number dialed through `trunk` (or the person's trunk when nil).
    public var target: String
    public var trunk: SIPTrunk?
    public var method: Method
    /// How long the second leg may ring (bridge) or the REFER may take, before the abandon path.
    public var timeout: Duration
    /// Headers on the second leg's INVITE (bridge) or the REFER: the campaign's `headers` and the
    /// call's identity (`X-Campaign-Id`, `X-Contact-Id`, `X-Conversation-Id`, `X-Callee`,
    /// `X-Meta-*`, `User-to-User`). campaignd adds `X-AMD` itself when detection ran.
    public var headers: [(name: String, value: String)]
    /// Played to the person while the second leg rings (silence when nil).
    public var holdPrompt: PromptAudio?
    /// Played to the person when nobody takes the call, before hanging up.
    public var abandonPrompt: PromptAudio?

    public init(target: String, trunk: SIPTrunk? = nil, method: Method = .bridge, timeout: Duration = .seconds(20),
                headers: [(name: String, value: String)] = [], holdPrompt: PromptAudio? = nil, abandonPrompt: PromptAudio? = nil) {
        self.target = target
        self.trunk = trunk
        self.method = method
        self.timeout = timeout
        self.headers = headers
        self.holdPrompt = holdPrompt
        self.abandonPrompt = abandonPrompt
    }

    public static func == (lhs: ConnectPlan, rhs: ConnectPlan) -> Bool {
        lhs.target == rhs.target && lhs.trunk == rhs.trunk && lhs.method == rhs.method && lhs.timeout == rhs.timeout
            && lhs.headers.elementsEqual(rhs.headers) { $0.name == $1.name && $0.value == $1.value }
            && lhs.holdPrompt === rhs.holdPrompt && lhs.abandonPrompt === rhs.abandonPrompt
    }
}
