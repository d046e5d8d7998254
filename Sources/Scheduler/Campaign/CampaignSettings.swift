import Telephony
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
    /// Extra SIP headers on the INVITE (e.g. `User-to-User`, `P-Preferred-Identity`).
    public var headers: [HeaderField] = []
    /// Campaign metadata as JSON object text, copied into every CDR.
    public var metadata: String = "{}"
    /// Time zone of contacts that name none (IANA name); nil means the configuration's default.
    public var timezone: String?
    /// Country code for national numbers in this campaign (digits, e.g. "1").
    public var defaultCountryCode: String?

    public init() {}
}

/// The outcome classes a campaign may retry (DESIGN.md "Default retry classes").
public enum RetryClass: String, Sendable, Codable, CaseIterable {
    case busy
    case noAnswer = "no-answer"
    case unavailable
    case error
}

/// What to do when AMD hears a machine (`machineDetection`).
public enum MachineDetectionMode: String, Sendable, Codable, CaseIterable {
    case disabled
    case detect
    case disconnect
}

/// `window`: the days and local hours in which a contact may be called.
public struct CallingWindowSettings: Sendable, Equatable, Codable {
    /// ISO weekdays, 1 = Monday … 7 = Sunday.
    public var days: [Int] = Array(1...7)
    /// Minutes after local midnight.
    public var start: Int = 8 * 60
    public var end: Int = 21 * 60
    /// Evaluate the window in this zone instead of each contact's own.
    public var timezone: String?
    /// Local dates (`YYYY-MM-DD`) on which the window stays shut (holidays); nil when none were given
    /// (optional so that settings stored before it existed still decode).
    public var exceptDates: [String]?

    public init() {}
}

/// `amd`: answering-machine detection tuning.
public struct AMDSettings: Sendable, Equatable, Codable {
    /// The detector's default unless the campaign sets it (one tuned default, in `AMDConfiguration`).
    public var thresholdWordCount: Int = AMDConfiguration().thresholdWordCount
    public var timers = AMDTimers()
    /// The detector's other thresholds by name (`afterGreetingSilenceMs`, `maximumGreetingMs`, …);
    /// only those given, the rest keep their tuned defaults.
    public var tuning: [AMDTunable: Double] = [:]

    public init() {}

    /// The detector configuration these settings describe.
    public var configuration: AMDConfiguration {
        var configuration = AMDConfiguration()
        configuration.thresholdWordCount = thresholdWordCount
        configuration.noSpeechTimeoutMs = timers.noSpeechTimeoutMs
        configuration.decisionTimeoutMs = timers.decisionTimeoutMs
        configuration.toneTimeoutMs = timers.toneTimeoutMs
        configuration.greetingCompletionTimeoutMs = timers.greetingCompletionTimeoutMs
        for (tunable, value) in tuning { configuration[tunable] = value }
        return configuration
    }
}

/// `amd.timers`, in milliseconds from the 200 OK.
public struct AMDTimers: Sendable, Equatable, Codable {
    public var noSpeechTimeoutMs: Int = 5000
    public var decisionTimeoutMs: Int = 15000
    public var toneTimeoutMs: Int = 20000
    public var greetingCompletionTimeoutMs: Int = 2000

    public init() {}
}

/// `onHuman` / `onMachine`: a prompt to play and, for humans, the digit that opts out.
public struct PromptSettings: Sendable, Equatable, Codable {
    /// Absolute path of an 8 kHz mono WAV file.
    public var play: String?
    public var optOutDigit: String?

    public init(play: String? = nil, optOutDigit: String? = nil) {
        self.play = play
        self.optOutDigit = optOutDigit
    }
}

/// A header name and value, kept in the order the user wrote them.
public struct HeaderField: Sendable, Equatable, Codable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
