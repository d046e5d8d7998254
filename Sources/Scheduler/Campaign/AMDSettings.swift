import Telephony

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
