/// A detector setting users may change by name (a campaign's `amd` object, `campaignd amd --set`),
/// with the range it is allowed in. Campaign files, the CLI and the detector meet through this one list.
public enum AMDTunable: String, CaseIterable, Sendable, Codable, CodingKeyRepresentable {
    case noSpeechTimeoutMs
    case decisionTimeoutMs
    case toneTimeoutMs
    case greetingCompletionTimeoutMs
    case thresholdWordCount
    case afterGreetingSilenceMs
    case maximumGreetingMs
    case sentencePauseMs
    case sentencePauseContrast
    case longSentencePauseMs
    case sentencePauseGreetingMs
    case unbrokenGreetingMs
    case unbrokenPausesMsPerSecond
    case minimumWordMs
    case betweenWordsSilenceMs
    case beepMinimumMs
    case beepMinimumHz
    case beepMaximumHz
    case beepMaximumHarmonicDb
    case faxToneMinimumMs
    case sitToneMinimumMs
    case sitSegmentMaximumMs
    case lossConcealmentMs
    case speechMarginDb
    case speechHoldMarginDb
    case speechFloorDb
    case steadyNoiseExcursionDb
    case babbleMarginFactor
    case speechBelowPeakDb
    case resumeBelowPeakDb
    case resumePauseMs

    /// The timers users set in `amd.timers` rather than directly in `amd`.
    public static let timers: [AMDTunable] = [.noSpeechTimeoutMs, .decisionTimeoutMs, .toneTimeoutMs, .greetingCompletionTimeoutMs]

    /// The values allowed.
    public var range: ClosedRange<Double> {
        switch self {
        case .noSpeechTimeoutMs: 500...60000
        case .decisionTimeoutMs: 1000...120000
        case .toneTimeoutMs: 1000...120000
        case .greetingCompletionTimeoutMs: 0...10000
        case .thresholdWordCount: 1...100
        case .afterGreetingSilenceMs: 100...5000
        case .maximumGreetingMs: 500...30000
        case .sentencePauseMs: 60...5000
        case .sentencePauseContrast: 1...10
        case .longSentencePauseMs: 60...5000
        case .sentencePauseGreetingMs: 0...30000
        case .unbrokenGreetingMs: 500...30000
        case .unbrokenPausesMsPerSecond: 0...1000
        case .minimumWordMs: 20...1000
        case .betweenWordsSilenceMs: 20...1000
        case .beepMinimumMs: 40...2000
        case .beepMinimumHz: 200...3000
        case .beepMaximumHz: 300...3400
        case .beepMaximumHarmonicDb: -60...0
        case .faxToneMinimumMs: 40...5000
        case .sitToneMinimumMs: 40...1000
        case .sitSegmentMaximumMs: 100...2000
        case .lossConcealmentMs: 0...200
        case .speechMarginDb: 1...40
        case .speechHoldMarginDb: 0...40
        case .speechFloorDb: -90 ... -10
        case .steadyNoiseExcursionDb: 0...30
        case .babbleMarginFactor: 0...5
        case .speechBelowPeakDb: 6...90
        case .resumeBelowPeakDb: 0...90
        case .resumePauseMs: 20...5000
        }
    }

    /// Where the setting lives in `AMDConfiguration`.
    enum Field {
        case whole(WritableKeyPath<AMDConfiguration, Int>)
        case real(WritableKeyPath<AMDConfiguration, Double>)
    }

    var field: Field {
        switch self {
        case .noSpeechTimeoutMs: .whole(\.noSpeechTimeoutMs)
        case .decisionTimeoutMs: .whole(\.decisionTimeoutMs)
        case .toneTimeoutMs: .whole(\.toneTimeoutMs)
        case .greetingCompletionTimeoutMs: .whole(\.greetingCompletionTimeoutMs)
        case .thresholdWordCount: .whole(\.thresholdWordCount)
        case .afterGreetingSilenceMs: .whole(\.afterGreetingSilenceMs)
        case .maximumGreetingMs: .whole(\.maximumGreetingMs)
        case .sentencePauseMs: .whole(\.sentencePauseMs)
        case .sentencePauseContrast: .real(\.sentencePauseContrast)
        case .longSentencePauseMs: .whole(\.longSentencePauseMs)
        case .sentencePauseGreetingMs: .whole(\.sentencePauseGreetingMs)
        case .unbrokenGreetingMs: .whole(\.unbrokenGreetingMs)
        case .unbrokenPausesMsPerSecond: .whole(\.unbrokenPausesMsPerSecond)
        case .minimumWordMs: .whole(\.minimumWordMs)
        case .betweenWordsSilenceMs: .whole(\.betweenWordsSilenceMs)
        case .beepMinimumMs: .whole(\.beepMinimumMs)
        case .beepMinimumHz: .whole(\.beepMinimumHz)
        case .beepMaximumHz: .whole(\.beepMaximumHz)
        case .beepMaximumHarmonicDb: .real(\.beepMaximumHarmonicDb)
        case .faxToneMinimumMs: .whole(\.faxToneMinimumMs)
        case .sitToneMinimumMs: .whole(\.sitToneMinimumMs)
        case .sitSegmentMaximumMs: .whole(\.sitSegmentMaximumMs)
        case .lossConcealmentMs: .whole(\.lossConcealmentMs)
        case .speechMarginDb: .real(\.speechMarginDb)
        case .speechHoldMarginDb: .real(\.speechHoldMarginDb)
        case .speechFloorDb: .real(\.speechFloorDb)
        case .steadyNoiseExcursionDb: .real(\.steadyNoiseExcursionDb)
        case .babbleMarginFactor: .real(\.babbleMarginFactor)
        case .speechBelowPeakDb: .real(\.speechBelowPeakDb)
        case .resumeBelowPeakDb: .real(\.resumeBelowPeakDb)
        case .resumePauseMs: .whole(\.resumePauseMs)
        }
    }
}
