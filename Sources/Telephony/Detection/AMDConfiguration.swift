/// Timers and thresholds for `AnsweringMachineDetector`; all of them are campaign settings (`amd`).
///
/// The defaults were tuned on the development corpus as a whole (see BENCHMARKS.md), leaning
/// towards "human" wherever the evidence is thin: hanging up on a live customer is the costly error.
public struct AMDConfiguration: Sendable, Equatable {
    /// No speech at all by then: `amd_no_speech_detected`.
    public var noSpeechTimeoutMs = 5000
    /// No verdict by then: `amd_decision_timeout`.
    public var decisionTimeoutMs = 15000
    /// How long after the answer a machine's beep is still listened for.
    public var toneTimeoutMs = 20000
    /// After a greeting judged human, a beep within this long turns the verdict to machine
    /// (short voicemail greetings sound like a person saying hello; people do not beep).
    public var greetingCompletionTimeoutMs = 2000
    /// This many words (speech bursts) in the greeting means a machine.
    public var thresholdWordCount = 9
    /// Silence that ends a greeting.
    public var afterGreetingSilenceMs = 800
    /// A greeting still going after this long is a machine.
    public var maximumGreetingMs = 5000
    /// A pause this long inside a greeting is a sentence break; recorded greetings have them, "hello"s do not …
    public var sentencePauseMs = 320
    /// … but it only counts in a greeting at least this long.
    public var sentencePauseGreetingMs = 2000
    /// Shorter bursts are clicks, not words.
    public var minimumWordMs = 80
    /// A gap at least this long separates two words.
    public var betweenWordsSilenceMs = 100
    /// A steady tone this long is a beep.
    public var beepMinimumMs = 100
    /// A fax tone (CED 2100 Hz, CNG 1100 Hz) before any speech, this long, is a fax.
    public var faxToneMinimumMs = 300
    /// Speech is this far above the tracked noise floor …
    public var speechMarginDb = 10.0
    /// … and, once speech has started, frames this far above the floor still count as speech …
    public var speechHoldMarginDb = 6.0
    /// … and above this absolute level (dBov).
    public var speechFloorDb = -56.0

    public init() {}

    /// The names users set (campaign `amd` object, `campaignd amd --set`), each with its allowed range.
    public static let tunables: [(name: String, range: ClosedRange<Double>)] = [
        ("noSpeechTimeoutMs", 500...60000), ("decisionTimeoutMs", 1000...120000), ("toneTimeoutMs", 1000...120000),
        ("greetingCompletionTimeoutMs", 0...10000), ("thresholdWordCount", 1...100), ("afterGreetingSilenceMs", 100...5000),
        ("maximumGreetingMs", 500...30000), ("sentencePauseMs", 60...5000), ("sentencePauseGreetingMs", 0...30000),
        ("minimumWordMs", 20...1000), ("betweenWordsSilenceMs", 20...1000), ("beepMinimumMs", 40...2000),
        ("faxToneMinimumMs", 40...5000), ("speechMarginDb", 1...40), ("speechHoldMarginDb", 0...40), ("speechFloorDb", -90 ... -10),
    ]

    /// Sets the tunable `name`; false when there is no such name.
    public mutating func set(_ name: String, to value: Double) -> Bool {
        let whole = Int(value.rounded())
        switch name {
        case "noSpeechTimeoutMs": noSpeechTimeoutMs = whole
        case "decisionTimeoutMs": decisionTimeoutMs = whole
        case "toneTimeoutMs": toneTimeoutMs = whole
        case "greetingCompletionTimeoutMs": greetingCompletionTimeoutMs = whole
        case "thresholdWordCount": thresholdWordCount = whole
        case "afterGreetingSilenceMs": afterGreetingSilenceMs = whole
        case "maximumGreetingMs": maximumGreetingMs = whole
        case "sentencePauseMs": sentencePauseMs = whole
        case "sentencePauseGreetingMs": sentencePauseGreetingMs = whole
        case "minimumWordMs": minimumWordMs = whole
        case "betweenWordsSilenceMs": betweenWordsSilenceMs = whole
        case "beepMinimumMs": beepMinimumMs = whole
        case "faxToneMinimumMs": faxToneMinimumMs = whole
        case "speechMarginDb": speechMarginDb = value
        case "speechFloorDb": speechFloorDb = value
        case "speechHoldMarginDb": speechHoldMarginDb = value
        default: return false
        }
        return true
    }
}
