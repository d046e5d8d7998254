/// Timers and thresholds for `AnsweringMachineDetector`; all of them are campaign settings (`amd`).
///
/// The defaults were tuned on the development corpora as a whole (see BENCHMARKS.md), leaning
/// towards "human" wherever the evidence is thin: hanging up on a live customer is the costly error.
/// Every time is wall-clock time from the answer (the detector's 20 ms clock).
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
    public var thresholdWordCount = 16
    /// Silence that ends a greeting.
    public var afterGreetingSilenceMs = 800
    /// A greeting still going after this long is a machine (people's business greetings run to 6 s).
    public var maximumGreetingMs = 6000
    /// A pause this long inside a greeting may be a sentence break; recorded greetings have them, "hello"s do not …
    public var sentencePauseMs = 320
    /// … it is one when it is this many times the next longest pause (people pause evenly at commas) …
    public var sentencePauseContrast = 2.5
    /// … or when it is at least this long …
    public var longSentencePauseMs = 560
    /// … and it only counts in a greeting at least this long.
    public var sentencePauseGreetingMs = 2600
    /// A greeting at least this long …
    public var unbrokenGreetingMs = 4500
    /// … whose two longest stretches below the callee's own level (`resumeBelowPeakDb`) add up to no
    /// more than this many milliseconds per second of greeting is one unbroken recorded announcement:
    /// a person saying that much pauses at commas and for breath, and voices behind them do not fill
    /// those pauses at their level.
    public var unbrokenPausesMsPerSecond = 70
    /// Shorter bursts are clicks, not words.
    public var minimumWordMs = 80
    /// A gap at least this long separates two words.
    public var betweenWordsSilenceMs = 100
    /// A steady tone this long is a beep.
    public var beepMinimumMs = 100
    /// Beeps are pure tones in this range (voicemail systems use about 440-1400 Hz); a voice holding
    /// a vowel sits lower and has harmonics.
    public var beepMinimumHz = 400
    public var beepMaximumHz = 2000
    /// A tone whose second harmonic is stronger than this, relative to the tone (dB), is a voice.
    public var beepMaximumHarmonicDb = -20.0
    /// A fax tone (CED 2100 Hz, CNG 1100 Hz) before any speech, this long, is a fax.
    public var faxToneMinimumMs = 300
    /// Each of the three SIT tones must last this long …
    public var sitToneMinimumMs = 100
    /// … and before any speech a tone that could be one is not taken for a beep until it has lasted
    /// longer than a SIT segment (274 or 380 ms).
    public var sitSegmentMaximumMs = 500
    /// A missing 20 ms slot (lost or suppressed packet) keeps the last speech decision this long.
    public var lossConcealmentMs = 60
    /// Speech is this far above the tracked noise floor …
    public var speechMarginDb = 10.0
    /// … and, once speech has started, frames this far above the floor still count as speech …
    public var speechHoldMarginDb = 6.0
    /// … and above this absolute level (dBov).
    public var speechFloorDb = -56.0
    /// Line noise wanders this far (dB, on average) above its floor; noise that wanders further is
    /// voices in the room (babble), and …
    public var steadyNoiseExcursionDb = 4.0
    /// … the excess, times this, is added to the speech margins.
    public var babbleMarginFactor = 1.0
    /// Once the callee has spoken, sound this far (dB) below their recent speech peak is someone
    /// else: voices across the room, not the callee going on.
    public var speechBelowPeakDb = 20.0
    /// After a pause of `resumePauseMs`, the greeting only goes on when the callee speaks within this
    /// many dB of their recent peak: softer sound in the pause is the room, not them.
    public var resumeBelowPeakDb = 12.0
    public var resumePauseMs = 60

    public init() {}

    /// The setting `tunable`, as a number (whole-number settings round on the way in).
    public subscript(tunable: AMDTunable) -> Double {
        get {
            switch tunable.field {
            case .whole(let keyPath): Double(self[keyPath: keyPath])
            case .real(let keyPath): self[keyPath: keyPath]
            }
        }
        set {
            switch tunable.field {
            case .whole(let keyPath): self[keyPath: keyPath] = Int(newValue.rounded())
            case .real(let keyPath): self[keyPath: keyPath] = newValue
            }
        }
    }
}
