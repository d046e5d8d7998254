/// What answering-machine detection reports, named as the outbound-calling gateways name them.
public struct AMDEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case humanDetected = "amd_human_detected"
        case machineDetected = "amd_machine_detected"
        case noSpeechDetected = "amd_no_speech_detected"
        case decisionTimeout = "amd_decision_timeout"
        case faxDetected = "amd_fax_detected"
        case machineStoppedSpeaking = "amd_machine_stopped_speaking"
        /// A voicemail beep; `frequencyHz` says which.
        case toneDetected = "amd_tone_detected"
        case error = "amd_error"
        /// Detection has finished listening.
        case stopped = "amd_stopped"

        /// Whether this event is a verdict (the call's `machineDetection` is the last verdict).
        public var isVerdict: Bool {
            switch self {
            case .humanDetected, .machineDetected, .noSpeechDetected, .decisionTimeout, .faxDetected: true
            case .machineStoppedSpeaking, .toneDetected, .error, .stopped: false
            }
        }
    }

    /// Why a verdict was reached (for diagnosis and for what the call does next).
    public enum Reason: String, Sendable, Equatable, CaseIterable {
        /// The greeting ended and the line stayed quiet: a person waiting for an answer.
        case greetingEnded = "greeting-ended"
        /// The greeting was still going after `maximumGreetingMs`.
        case greetingTooLong = "greeting-too-long"
        /// The greeting had `thresholdWordCount` words.
        case wordCount = "word-count"
        /// A sentence break inside a long greeting: a recording.
        case sentenceBreak = "sentence-break"
        /// A long greeting without the pauses people make: a recorded announcement.
        case unbrokenGreeting = "unbroken-greeting"
        /// A voicemail beep.
        case beep
        /// A carrier intercept's special information tones (ITU-T E.180): the number does not work.
        case sit
        /// A fax tone (CED 2100 Hz or CNG 1100 Hz).
        case faxTone = "fax-tone"
        /// Nothing heard by `noSpeechTimeoutMs`.
        case noSpeech = "no-speech"
        /// No verdict by `decisionTimeoutMs`.
        case timeout
        /// Detection was stopped (the call ended or moved on) before it reached a verdict.
        case stopped
    }

    public var kind: Kind
    /// Milliseconds of audio since the answer (the 200 OK) when the event was decided.
    public var timeMs: Int
    public var frequencyHz: Int?
    /// What went wrong, for `amd_error`; for a verdict on a greeting, how the greeting measured.
    public var detail: String?
    /// Why, for verdicts (`.sit` on `amd_machine_detected` for a carrier intercept).
    public var reason: Reason?
    /// Every tone that decided the event, in order: the three SIT segments' frequencies.
    public var frequenciesHz: [Int]

    public init(_ kind: Kind, timeMs: Int, frequencyHz: Int? = nil, detail: String? = nil, reason: Reason? = nil,
                frequenciesHz: [Int] = []) {
        self.kind = kind
        self.timeMs = timeMs
        self.frequencyHz = frequencyHz
        self.detail = detail
        self.reason = reason
        self.frequenciesHz = frequenciesHz
    }

    /// A carrier intercept (SIT tones): the number does not work.
    public var isIntercept: Bool { kind == .machineDetected && reason == .sit }
}
