/// Scores `AnsweringMachineDetector` on labelled recordings: what `campaignd amd --labels` prints.
public struct AMDEvaluation: Sendable {
    /// One recording's label (the corpus's `labels.csv`).
    public struct Label: Sendable, Equatable {
        /// `human`, `machine`, `fax` or `silence`.
        public var label: String
        /// Where the greeting ends, in seconds from the answer (humans and machines).
        public var speechEndSeconds: Double?
        /// Where the beep starts, when there is one.
        public var beepSeconds: Double?

        public init(label: String, speechEndSeconds: Double? = nil, beepSeconds: Double? = nil) {
            self.label = label
            self.speechEndSeconds = speechEndSeconds
            self.beepSeconds = beepSeconds
        }

        /// The verdict a correct detector gives for this label.
        public var expectedVerdict: AMDEvent.Kind? {
            switch label {
            case "human": .humanDetected
            case "machine": .machineDetected
            case "fax": .faxDetected
            case "silence": .noSpeechDetected
            default: nil
            }
        }
    }

    /// One recording analysed.
    public struct Result: Sendable {
        public var file: String
        public var events: [AMDEvent]

        public init(file: String, events: [AMDEvent]) {
            self.file = file
            self.events = events
        }

        /// The last verdict event (a beep after a "human" greeting turns it to machine).
        public var verdict: AMDEvent? { events.last { $0.kind.isVerdict } }
        public var beep: AMDEvent? { events.first { $0.kind == .toneDetected } }
    }

    public struct Summary: Sendable {
        /// Labels in report order, and counts of verdicts per label.
        public var labels: [String]
        public var confusion: [String: [String: Int]]
        public var humanMachineTotal = 0
        public var humanMachineCorrect = 0
        public var humans = 0
        public var humansCalledMachines = 0
        public var faxAndSilenceTotal = 0
        public var faxAndSilenceCorrect = 0
        /// Milliseconds, humans judged human.
        public var humanDecisionAfterAnswer: [Int] = []
        public var humanDecisionAfterGreeting: [Int] = []
        /// Beep reported minus beep start, for labelled beeps that were reported.
        public var beepDelays: [Int] = []
        public var beepsLabelled = 0
        public var mistakes: [(file: String, label: String, verdict: String)] = []

        public var accuracy: Double { humanMachineTotal == 0 ? 0 : Double(humanMachineCorrect) / Double(humanMachineTotal) }
        public var humansCalledMachinesShare: Double { humans == 0 ? 0 : Double(humansCalledMachines) / Double(humans) }
    }

    public static func verdictName(_ kind: AMDEvent.Kind?) -> String {
        guard let kind else { return "none" }
        switch kind {
        case .humanDetected: return "human"
        case .machineDetected: return "machine"
        case .faxDetected: return "fax"
        case .noSpeechDetected: return "silence"
        case .decisionTimeout: return "timeout"
        case .machineStoppedSpeaking, .toneDetected, .error, .stopped: return kind.rawValue
        }
    }

    public static func summarize(_ results: [Result], labels: [String: Label]) -> Summary {
        var summary = Summary(labels: ["human", "machine", "fax", "silence"], confusion: [:])
        for result in results {
            guard let label = labels[result.file] else { continue }
            let verdict = result.verdict
            let name = verdictName(verdict?.kind)
            summary.confusion[label.label, default: [:]][name, default: 0] += 1
            let correct = verdict?.kind == label.expectedVerdict
            if !correct { summary.mistakes.append((result.file, label.label, name)) }
            switch label.label {
            case "human", "machine":
                summary.humanMachineTotal += 1
                if correct { summary.humanMachineCorrect += 1 }
                if label.label == "human" {
                    summary.humans += 1
                    if verdict?.kind == .machineDetected { summary.humansCalledMachines += 1 }
                    if correct, let verdict {
                        summary.humanDecisionAfterAnswer.append(verdict.timeMs)
                        if let end = label.speechEndSeconds {
                            summary.humanDecisionAfterGreeting.append(verdict.timeMs - Int((end * 1000).rounded()))
                        }
                    }
                }
            default:
                summary.faxAndSilenceTotal += 1
                if correct { summary.faxAndSilenceCorrect += 1 }
            }
            if let beepStart = label.beepSeconds {
                summary.beepsLabelled += 1
                if let beep = result.beep { summary.beepDelays.append(beep.timeMs - Int((beepStart * 1000).rounded())) }
            }
        }
        return summary
    }

    /// The value below which `fraction` of `values` lie (nearest rank).
    public static func percentile(_ values: [Int], _ fraction: Double) -> Int? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    /// Runs a fresh detector over a whole recording, then stops it.
    public static func analyse(_ samples: [Int16], configuration: AMDConfiguration = AMDConfiguration()) -> [AMDEvent] {
        var detector = AnsweringMachineDetector(configuration: configuration)
        var events = detector.samplesReceived(samples)
        events += detector.stop()
        return events
    }
}
