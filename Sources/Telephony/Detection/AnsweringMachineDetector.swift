/// Answering-machine detection: fed the answered audio in 20 ms frames, reports `AMDEvent`s.
///
/// Timing decides first, as people and machines differ most there: a person says a short greeting
/// ("Hello?") and waits; a recording talks on, in sentences, and usually ends in a beep. The verdicts:
/// - speech that stops for `afterGreetingSilenceMs` → human, unless the greeting was long and had a
///   sentence break (`sentencePauseMs`), which is a machine;
/// - a greeting longer than `maximumGreetingMs` or of `thresholdWordCount` words → machine;
/// - a beep → machine (also shortly after a human verdict: see `greetingCompletionTimeoutMs`);
/// - a fax tone before any speech → fax; nothing by `noSpeechTimeoutMs` → no speech.
/// After a machine verdict it keeps listening for the beep (`amd_tone_detected`) until `toneTimeoutMs`.
/// The clock is the audio itself (frames since the answer), so the same input always gives the same
/// events at the same times; a pure value type, it is driven the same way live and offline.
public struct AnsweringMachineDetector: Sendable {
    enum Phase: Sendable, Equatable {
        case waitingForSpeech
        case greeting
        case human(greetingEndFrame: Int)
        case machine
        case done
    }

    public static let frameSamples = 160
    static let frameMs = 20

    public let configuration: AMDConfiguration
    private(set) var phase = Phase.waitingForSpeech
    private var pendingSamples: [Int16] = []
    private var frameIndex = 0
    private var vad: VoiceActivityDetector
    private var tones = ToneDetector()
    private var speechRun = 0
    private var speechStartFrame: Int?
    private var lastSpeechEndFrame = 0
    private var longestPauseFrames = 0
    private var silentRun = 0
    private var words = 0
    private var reportedToneStart: Int?
    private var stoppedSpeakingReported = false

    public init(configuration: AMDConfiguration = AMDConfiguration()) {
        self.configuration = configuration
        vad = VoiceActivityDetector(marginDb: configuration.speechMarginDb, holdMarginDb: configuration.speechHoldMarginDb,
                                    floorDb: configuration.speechFloorDb)
    }

    /// Whether detection has finished (after `amd_stopped`).
    public var isFinished: Bool { phase == .done }

    /// Feeds decoded samples in any amounts; whole 20 ms frames are analysed as they fill.
    public mutating func samplesReceived<S: Collection<Int16>>(_ samples: S) -> [AMDEvent] {
        var events: [AMDEvent] = []
        pendingSamples.append(contentsOf: samples)
        var start = 0
        while pendingSamples.count - start >= Self.frameSamples, phase != .done {
            events += frameReceived(pendingSamples[start..<start + Self.frameSamples])
            start += Self.frameSamples
        }
        pendingSamples.removeFirst(phase == .done ? pendingSamples.count : start)
        return events
    }

    /// Stops listening (the call ended or moved on): `amd_stopped` unless already stopped.
    public mutating func stop() -> [AMDEvent] {
        guard phase != .done else { return [] }
        phase = .done
        return [AMDEvent(.stopped, timeMs: frameIndex * Self.frameMs)]
    }

    /// Reports a media failure (`amd_error`) and stops.
    public mutating func fail(_ detail: String, atMs timeMs: Int) -> [AMDEvent] {
        guard phase != .done else { return [] }
        phase = .done
        return [AMDEvent(.error, timeMs: timeMs, detail: detail), AMDEvent(.stopped, timeMs: timeMs)]
    }

    private func frames(_ ms: Int) -> Int { (ms + Self.frameMs - 1) / Self.frameMs }

    mutating func frameReceived(_ samples: ArraySlice<Int16>) -> [AMDEvent] {
        let index = frameIndex
        frameIndex += 1
        let nowMs = frameIndex * Self.frameMs
        let analysis = FrameAnalysis(samples)
        let speech = vad.isSpeech(analysis)
        var events: [AMDEvent] = []

        if let tone = tones.frameAnalysed(analysis, index: index), tone.startFrame != reportedToneStart {
            let hz = tone.meanHz
            let faxTone = abs(hz - 2100) <= 50 || abs(hz - 1100) <= 40
            if speechStartFrame == nil, faxTone {
                if tone.frames >= frames(configuration.faxToneMinimumMs), phase == .waitingForSpeech {
                    reportedToneStart = tone.startFrame
                    events.append(AMDEvent(.faxDetected, timeMs: nowMs, frequencyHz: Int(hz.rounded())))
                    events.append(AMDEvent(.stopped, timeMs: nowMs))
                    phase = .done
                    return events
                }
            } else if tone.frames >= frames(configuration.beepMinimumMs) {
                reportedToneStart = tone.startFrame
                return events + beepHeard(hz: hz, frame: index, nowMs: nowMs)
            }
        }

        trackSpeech(speech, frame: index)
        switch phase {
        case .waitingForSpeech:
            if speechStartFrame != nil {
                phase = .greeting
                events += judgeGreeting(frame: index, nowMs: nowMs)
            } else if nowMs >= configuration.noSpeechTimeoutMs {
                events += finish(.noSpeechDetected, nowMs: nowMs)
            }
        case .greeting:
            events += judgeGreeting(frame: index, nowMs: nowMs)
        case .human(let greetingEnd):
            if (index + 1 - greetingEnd) * Self.frameMs > configuration.greetingCompletionTimeoutMs {
                events += stop()
            }
        case .machine:
            if !stoppedSpeakingReported, silenceMs(at: index) >= configuration.afterGreetingSilenceMs {
                stoppedSpeakingReported = true
                events.append(AMDEvent(.machineStoppedSpeaking, timeMs: nowMs))
            }
            if nowMs >= configuration.toneTimeoutMs { events += stop() }
        case .done:
            break
        }
        if phase == .waitingForSpeech || phase == .greeting, nowMs >= configuration.decisionTimeoutMs {
            events += finish(.decisionTimeout, nowMs: nowMs)
        }
        return events
    }

    private func silenceMs(at frame: Int) -> Int { (frame + 1 - lastSpeechEndFrame) * Self.frameMs }

    private mutating func trackSpeech(_ speech: Bool, frame: Int) {
        guard phase == .waitingForSpeech || phase == .greeting || phase == .machine else { return }
        speechRun = speech ? speechRun + 1 : 0
        // Pauses are measured between any speech frames: a short word on a noisy line still breaks one.
        if speech {
            if speechStartFrame != nil, silentRun > 0, silentRun < frames(configuration.afterGreetingSilenceMs) {
                longestPauseFrames = max(longestPauseFrames, silentRun)
            }
            silentRun = 0
        } else {
            silentRun += 1
        }
        let confirm = frames(configuration.minimumWordMs)
        guard speech, speechRun >= confirm else { return }
        if speechRun == confirm {
            let runStart = frame - speechRun + 1
            if speechStartFrame == nil {
                speechStartFrame = runStart
                words = 1
            } else {
                let gap = runStart - lastSpeechEndFrame
                if gap >= frames(configuration.betweenWordsSilenceMs) { words += 1 }
            }
        }
        lastSpeechEndFrame = frame + 1
    }

    private mutating func judgeGreeting(frame: Int, nowMs: Int) -> [AMDEvent] {
        guard let start = speechStartFrame else { return [] }
        let greetingMs = (lastSpeechEndFrame - start) * Self.frameMs
        if greetingMs >= configuration.maximumGreetingMs || words >= configuration.thresholdWordCount {
            phase = .machine
            return [AMDEvent(.machineDetected, timeMs: nowMs)]
        }
        guard silenceMs(at: frame) >= configuration.afterGreetingSilenceMs else { return [] }
        if longestPauseFrames * Self.frameMs >= configuration.sentencePauseMs, greetingMs >= configuration.sentencePauseGreetingMs {
            phase = .machine
            stoppedSpeakingReported = true
            return [AMDEvent(.machineDetected, timeMs: nowMs), AMDEvent(.machineStoppedSpeaking, timeMs: nowMs)]
        }
        phase = .human(greetingEndFrame: lastSpeechEndFrame)
        return [AMDEvent(.humanDetected, timeMs: nowMs)]
    }

    private mutating func beepHeard(hz: Double, frame: Int, nowMs: Int) -> [AMDEvent] {
        let tone = AMDEvent(.toneDetected, timeMs: nowMs, frequencyHz: Int(hz.rounded()))
        switch phase {
        case .waitingForSpeech, .greeting:
            phase = .done
            return [AMDEvent(.machineDetected, timeMs: nowMs), tone, AMDEvent(.stopped, timeMs: nowMs)]
        case .human(let greetingEnd):
            guard (frame - greetingEnd) * Self.frameMs <= configuration.greetingCompletionTimeoutMs else { return [] }
            phase = .done
            return [AMDEvent(.machineDetected, timeMs: nowMs), tone, AMDEvent(.stopped, timeMs: nowMs)]
        case .machine:
            phase = .done
            return [tone, AMDEvent(.stopped, timeMs: nowMs)]
        case .done:
            return []
        }
    }

    private mutating func finish(_ kind: AMDEvent.Kind, nowMs: Int) -> [AMDEvent] {
        phase = .done
        return [AMDEvent(kind, timeMs: nowMs), AMDEvent(.stopped, timeMs: nowMs)]
    }
}
