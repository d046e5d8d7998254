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

    public var kind: Kind
    /// Milliseconds of audio since the answer (the 200 OK) when the event was decided.
    public var timeMs: Int
    public var frequencyHz: Int?
    /// What went wrong, for `amd_error`.
    public var detail: String?

    public init(_ kind: Kind, timeMs: Int, frequencyHz: Int? = nil, detail: String? = nil) {
        self.kind = kind
        self.timeMs = timeMs
        self.frequencyHz = frequencyHz
        self.detail = detail
    }
}
