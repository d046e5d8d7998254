/// A campaign's settings after merging built-in defaults, the configuration's `defaults` and the
/// campaign file. Names are those of the outbound-calling APIs campaignd replaces (DESIGN.md).
public struct CampaignSettings: Sendable, Equatable, Codable {
    public var name: String?
    public var trunk: String?
    public var caller: String?
    public var callerHost: String?
    public var callerDisplayName: String?
    /// Calls started per second; fractions allowed (0.1 = one call every 10 s).
    public var dialoutLimitPerSecond: Double = 1
    /// Calls in progress at once; 0 means unlimited.
    public var maxConcurrentCalls: Int = 10
    public var answerTimeoutSec: Int = 30
    public var maxCallDurationSec: Int = 3600
    public var maxRetryNo: Int = 2
    public var retryIntervalSec: Int = 300
    public var retryOn: [RetryClass] = RetryClass.allCases
    public var window = CallingWindowSettings()
    public var machineDetection: MachineDetectionMode = .disabled
    public var amd = AMDSettings()
    public var voicemailEndTimeoutSec: Int = 30
    public var onHuman: PromptSettings?
    public var onMachine: PromptSettings?
    public var notifyUrl: String?
    public var notifyHeaders: [HeaderField] = []
    public var notifyUsername: String?
    public var notifyPassword: String?
    /// AMD events to post to `notifyUrl`; nil means all of them, `[]` none.
    public var amdEventsSubscription: [String]?
    /// Call-progress events to post to `notifyUrl` before the answer; nil or `[]`: none.
    public var notifyEvents: [CallProgressEvent]?
    /// Extra SIP headers on the INVITE (e.g. `User-to-User`, `P-Preferred-Identity`).
    public var headers: [HeaderField] = []
    /// A preloaded Route set for the INVITE (RFC 3261 §8.1.2), SIP URIs in order; the INVITE goes to
    /// the first (after the trunk's `outboundProxy`, if it has one). Nil: none.
    public var route: [String]?
    /// The shape of the webhooks: campaignd's own (nil), or one of the outbound-call APIs campaignd
    /// stands in for, for calls placed through its endpoint (README "Drop-in endpoints").
    public var notifyFormat: NotifyFormat?
    /// Where AMD events go when they have a hook of their own (jambonz `amd.actionHook`).
    public var amdNotifyUrl: String?
    /// Campaign metadata as JSON object text, copied into every CDR.
    public var metadata: String = "{}"
    /// Time zone of contacts that name none (IANA name); nil means the configuration's default.
    public var timezone: String?
    /// Country code for national numbers in this campaign (digits, e.g. "1").
    public var defaultCountryCode: String?

    public init() {}
}
