/// Answering-machine detection on a 20 ms clock: fed every 20 ms slot from the answer on, reports
/// `AMDEvent`s.
///
/// Timing decides first, as people and machines differ most there: a person says a short greeting
/// ("Hello?") and waits; a recording talks on, in sentences, and usually ends in a beep. The verdicts:
/// - speech that stops for `afterGreetingSilenceMs` → human, unless the greeting was long and had a
///   sentence break (`sentencePauseMs`: a pause that stands out from the others, or one of at least
///   `longSentencePauseMs`), which is a machine;
/// - a greeting still going after `maximumGreetingMs` or of `thresholdWordCount` words → machine;
/// - a greeting of `unbrokenGreetingMs` or more that hardly ever dropped below the callee's own level
///   (`unbrokenPausesMsPerSecond`) → machine: a recorded announcement runs on where a person pauses at
///   commas and for breath (measured against their level, so voices behind them do not fill the pauses);
/// - a beep (a pure tone of `beepMinimumHz`-`beepMaximumHz` with no second harmonic) → machine (also
///   shortly after a human verdict: see `greetingCompletionTimeoutMs`);
/// - a carrier's special information tones (SIT) → machine with reason `.sit`: the number does not work;
/// - a fax tone before any speech → fax; nothing by `noSpeechTimeoutMs` → no speech.
/// After a machine verdict it keeps listening for the beep (`amd_tone_detected`) until `toneTimeoutMs`.
///
/// ## The clock
/// The detector's clock is the count of 20 ms slots it was given since the answer, so the caller must
/// account for every slot: `samplesReceived(_:)` for audio (160 samples a slot at 8 kHz),
/// `frameMissing()` for a slot in which no packet came (lost, or suppressed by the sender's VAD/DTX),
/// `comfortNoiseReceived(levelDBov:)` for an RFC 3389 comfort-noise packet. A caller that ticks it
/// every 20 ms from the answer gets the timeouts on time even when no packet ever comes, and every
/// event's `timeMs` is wall-clock time since the answer. A missing slot is neither speech nor silence
/// evidence: the last decision holds for `lossConcealmentMs`, and the noise floor does not move. A
/// slot of digital silence (every sample within one μ-law step of zero) is what a receiver hands on
/// for a lost packet, and is taken as missing too.
///
/// Every detection ends in a verdict and then `amd_stopped`; `stop()` before a verdict gives
/// `amd_decision_timeout`. The one verdict that may follow another is the beep's
/// `amd_machine_detected` within `greetingCompletionTimeoutMs` of `amd_human_detected`.
/// A pure value type: the same input always gives the same events at the same times, live and offline.
public struct AnsweringMachineDetector: Sendable {
    enum Phase: Sendable, Equatable {
        case waitingForSpeech
        case greeting
        case human(greetingEndFrame: Int)
        case machine
        case done
    }

    /// What one 20 ms slot brought.
    enum Slot {
        case heard(FrameAnalysis)
        case missing
        case comfortNoise(levelDb: Double)
    }

    public static let frameSamples = 160
    static let frameMs = 20

    public let configuration: AMDConfiguration
    private(set) var phase = Phase.waitingForSpeech
    private var pendingSamples: [Int16] = []
    private var frameIndex = 0
    private var vad: VoiceActivityDetector
    private var tones: ToneDetector
    private var sit: SITDetector
    private var speechRun = 0
    private var speechStartFrame: Int?
    private var lastSpeechEndFrame = 0
    private var longestPauseFrames = 0
    private var secondPauseFrames = 0
    private var silentRun = 0
    /// Speech frames heard after a pause that were not yet loud enough to resume the greeting.
    private var tentativeRun = 0
    private var tentativeQuiet = 0
    /// The two longest stretches inside the greeting without the callee's own level (see `resumeBelowPeakDb`).
    private var weakRun = 0
    private var longestWeakFrames = 0
    private var secondWeakFrames = 0
    /// Missing slots in a row just before this one: a pause may have ended in them unheard.
    private var missingBefore = 0
    private var words = 0
    private var reportedToneStart: Int?
    private var stoppedSpeakingReported = false
    private var verdictGiven = false

    public init(configuration: AMDConfiguration = AMDConfiguration()) {
        self.configuration = configuration
        let concealed = max(0, configuration.lossConcealmentMs / Self.frameMs)
        vad = VoiceActivityDetector(marginDb: configuration.speechMarginDb, holdMarginDb: configuration.speechHoldMarginDb,
                                    floorDb: configuration.speechFloorDb, concealedFrames: concealed,
                                    steadyExcursionDb: configuration.steadyNoiseExcursionDb, babbleFactor: configuration.babbleMarginFactor,
                                    toneMinimumHz: Double(configuration.beepMinimumHz), belowPeakDb: configuration.speechBelowPeakDb,
                                    strongBelowPeakDb: configuration.resumeBelowPeakDb)
        tones = ToneDetector(concealedFrames: concealed)
        sit = SITDetector(minimumFrames: (configuration.sitToneMinimumMs + Self.frameMs - 1) / Self.frameMs)
    }

    /// Whether detection has finished (after `amd_stopped`).
    public var isFinished: Bool { phase == .done }

    /// The voice activity detector's noise floor (dBov), once it has heard the line.
    var noiseFloorDb: Double? { vad.noiseDb }

    /// Milliseconds since the answer on the detector's clock (20 ms per slot fed).
    public var elapsedMs: Int { frameIndex * Self.frameMs }

    /// Feeds received audio, decoded, in any amounts; each whole 20 ms frame (160 samples) is one slot
    /// on the clock. A frame of digital silence counts as a missing slot.
    public mutating func samplesReceived<S: Collection<Int16>>(_ samples: S) -> [AMDEvent] {
        var events: [AMDEvent] = []
        pendingSamples.append(contentsOf: samples)
        var start = 0
        while pendingSamples.count - start >= Self.frameSamples, phase != .done {
            let frame = pendingSamples[start..<start + Self.frameSamples]
            let analysis = FrameAnalysis(frame, maximumHarmonicDb: configuration.beepMaximumHarmonicDb)
            events += advance(analysis.isDigitalSilence ? .missing : .heard(analysis))
            start += Self.frameSamples
        }
        pendingSamples.removeFirst(phase == .done ? pendingSamples.count : start)
        return events
    }

    /// A 20 ms slot in which no packet came (lost, or suppressed by the sender's VAD/DTX): the clock
    /// advances, and timeouts fire, but the slot is neither speech nor silence evidence.
    public mutating func frameMissing() -> [AMDEvent] {
        guard phase != .done else { return [] }
        return advance(.missing)
    }

    /// An RFC 3389 comfort-noise packet for one 20 ms slot: silence, at `levelDBov` (RFC 3389 §3: the
    /// level byte is -dBov, so a level byte of 60 is -60 dBov).
    public mutating func comfortNoiseReceived(levelDBov: Double) -> [AMDEvent] {
        guard phase != .done else { return [] }
        return advance(.comfortNoise(levelDb: levelDBov))
    }

    /// Stops listening (the call ended or moved on): a verdict first if none was given yet
    /// (`amd_decision_timeout`, reason `.stopped`, which the call treats as a person), then `amd_stopped`.
    public mutating func stop() -> [AMDEvent] {
        guard phase != .done else { return [] }
        let nowMs = elapsedMs
        var events: [AMDEvent] = []
        if !verdictGiven { events.append(AMDEvent(.decisionTimeout, timeMs: nowMs, reason: .stopped)) }
        phase = .done
        return events + [AMDEvent(.stopped, timeMs: nowMs)]
    }

    /// Reports a media failure (`amd_error`) and stops, with a verdict if none was given yet.
    public mutating func fail(_ detail: String, atMs timeMs: Int) -> [AMDEvent] {
        guard phase != .done else { return [] }
        var events = [AMDEvent(.error, timeMs: timeMs, detail: detail)]
        if !verdictGiven { events.append(AMDEvent(.decisionTimeout, timeMs: timeMs, reason: .stopped)) }
        phase = .done
        return events + [AMDEvent(.stopped, timeMs: timeMs)]
    }

    private func frames(_ ms: Int) -> Int { (ms + Self.frameMs - 1) / Self.frameMs }

    mutating func advance(_ slot: Slot) -> [AMDEvent] {
        let index = frameIndex
        frameIndex += 1
        let nowMs = frameIndex * Self.frameMs
        let speech: Bool
        let toneRun: ToneDetector.Run?
        var sitTones: [Double]?
        switch slot {
        case .heard(let analysis):
            speech = vad.isSpeech(analysis)
            toneRun = tones.frameAnalysed(analysis, index: index)
            sitTones = sit.toneHeard(toneRun == nil ? nil : analysis.toneHz, index: index)
        case .missing:
            speech = vad.frameMissing()
            toneRun = tones.frameMissing(index: index)
        case .comfortNoise(let level):
            speech = vad.comfortNoise(levelDb: level)
            toneRun = tones.frameAnalysed(FrameAnalysis([][...]), index: index)
            sitTones = sit.toneHeard(nil, index: index)
        }
        var events: [AMDEvent] = []

        if let sitTones {
            switch phase {
            case .waitingForSpeech, .greeting, .human:
                let hz = sitTones.map { Int($0.rounded()) }
                phase = .done
                verdictGiven = true
                return [AMDEvent(.machineDetected, timeMs: nowMs, frequencyHz: hz.first, reason: .sit, frequenciesHz: hz),
                        AMDEvent(.stopped, timeMs: nowMs)]
            case .machine, .done:
                break
            }
        }

        if let tone = toneRun, tone.startFrame != reportedToneStart {
            let hz = tone.meanHz
            let faxTone = abs(hz - 2100) <= 50 || abs(hz - 1100) <= 40
            let beepRange = Double(configuration.beepMinimumHz)...Double(configuration.beepMaximumHz)
            // Before any speech, a tone that may be a SIT segment waits until it is too long to be one.
            let beepFrames = phase == .waitingForSpeech && sit.segment(of: hz) != nil
                ? frames(configuration.sitSegmentMaximumMs) : frames(configuration.beepMinimumMs)
            if speechStartFrame == nil, faxTone {
                if tone.frames >= frames(configuration.faxToneMinimumMs), phase == .waitingForSpeech {
                    reportedToneStart = tone.startFrame
                    verdictGiven = true
                    phase = .done
                    return [AMDEvent(.faxDetected, timeMs: nowMs, frequencyHz: Int(hz.rounded()), reason: .faxTone),
                            AMDEvent(.stopped, timeMs: nowMs)]
                }
            } else if beepRange.contains(hz), tone.frames >= beepFrames {
                reportedToneStart = tone.startFrame
                return events + beepHeard(hz: hz, frame: index, nowMs: nowMs)
            }
        }

        trackSpeech(speech, strong: vad.lastFrameStrong, frame: index)
        trackLevel(speech && vad.lastFrameStrong)
        if case .missing = slot { missingBefore += 1 } else { missingBefore = 0 }
        switch phase {
        case .waitingForSpeech:
            if speechStartFrame != nil {
                phase = .greeting
                events += judgeGreeting(frame: index, nowMs: nowMs)
            } else if nowMs >= configuration.noSpeechTimeoutMs {
                events += finish(.noSpeechDetected, reason: .noSpeech, nowMs: nowMs)
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
            events += finish(.decisionTimeout, reason: .timeout, nowMs: nowMs)
        }
        return events
    }

    private func silenceMs(at frame: Int) -> Int { (frame + 1 - lastSpeechEndFrame) * Self.frameMs }

    private mutating func trackSpeech(_ speech: Bool, strong: Bool, frame: Int) {
        guard phase == .waitingForSpeech || phase == .greeting || phase == .machine else { return }
        // After a pause, sound well below the callee's own level may be voices behind them: it only
        // resumes the greeting (from where it started) once the callee's own level is reached, and
        // is forgotten when it stops (`resumePauseMs` of quiet) without reaching it.
        if speechStartFrame != nil, tentativeRun > 0 || silentRun >= frames(configuration.resumePauseMs) {
            if speech, strong {
                silentRun = max(0, silentRun - tentativeRun)
                speechRun = tentativeRun
                tentativeRun = 0
                tentativeQuiet = 0
            } else {
                if speech {
                    tentativeRun += 1 + tentativeQuiet
                    tentativeQuiet = 0
                } else if tentativeRun > 0 {
                    tentativeQuiet += 1
                    if tentativeQuiet >= frames(configuration.resumePauseMs) {
                        tentativeRun = 0
                        tentativeQuiet = 0
                    }
                }
                silentRun += 1
                speechRun = 0
                return
            }
        }
        speechRun = speech ? speechRun + 1 : 0
        // Pauses are measured between any speech frames: a short word on a noisy line still breaks one.
        if speech {
            // Missing slots at the end of a pause may have been the next word: they do not count.
            let pause = silentRun - min(missingBefore, silentRun)
            if speechStartFrame != nil, pause > 0, silentRun < frames(configuration.afterGreetingSilenceMs) {
                if pause > longestPauseFrames {
                    secondPauseFrames = longestPauseFrames
                    longestPauseFrames = pause
                } else if pause > secondPauseFrames {
                    secondPauseFrames = pause
                }
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

    private mutating func trackLevel(_ strong: Bool) {
        guard phase == .greeting, speechStartFrame != nil else { return }
        if !strong {
            weakRun += 1
        } else {
            if weakRun > 0, weakRun < frames(configuration.afterGreetingSilenceMs) {
                if weakRun > longestWeakFrames {
                    secondWeakFrames = longestWeakFrames
                    longestWeakFrames = weakRun
                } else if weakRun > secondWeakFrames {
                    secondWeakFrames = weakRun
                }
            }
            weakRun = 0
        }
    }

    /// Whether the greeting's longest pause is a sentence break: long, and either long enough on its
    /// own or much longer than the pauses between the other words (people reading out a business
    /// greeting pause evenly at its commas; a recorded message stops between sentences).
    private var hasSentenceBreak: Bool {
        let longest = longestPauseFrames * Self.frameMs
        guard longest >= configuration.sentencePauseMs else { return false }
        return longest >= configuration.longSentencePauseMs
            || Double(longestPauseFrames) >= configuration.sentencePauseContrast * Double(secondPauseFrames)
    }

    /// How the greeting measured, for the verdict's `detail`.
    private func greetingDetail(_ greetingMs: Int) -> String {
        "greeting \(greetingMs) ms, pauses \(longestPauseFrames * Self.frameMs)/\(secondPauseFrames * Self.frameMs) ms, \(words) words, weak \(longestWeakFrames * Self.frameMs)/\(secondWeakFrames * Self.frameMs) ms"
    }

    private mutating func judgeGreeting(frame: Int, nowMs: Int) -> [AMDEvent] {
        guard let start = speechStartFrame else { return [] }
        let greetingMs = (lastSpeechEndFrame - start) * Self.frameMs
        let detail = greetingDetail(greetingMs)
        if greetingMs >= configuration.maximumGreetingMs || words >= configuration.thresholdWordCount {
            phase = .machine
            verdictGiven = true
            return [AMDEvent(.machineDetected, timeMs: nowMs, detail: detail,
                              reason: greetingMs >= configuration.maximumGreetingMs ? .greetingTooLong : .wordCount)]
        }
        guard silenceMs(at: frame) >= configuration.afterGreetingSilenceMs else { return [] }
        verdictGiven = true
        if hasSentenceBreak, greetingMs >= configuration.sentencePauseGreetingMs {
            phase = .machine
            stoppedSpeakingReported = true
            return [AMDEvent(.machineDetected, timeMs: nowMs, detail: detail, reason: .sentenceBreak), AMDEvent(.machineStoppedSpeaking, timeMs: nowMs)]
        }
        if greetingMs >= configuration.unbrokenGreetingMs,
           (longestWeakFrames + secondWeakFrames) * Self.frameMs * 1000 <= configuration.unbrokenPausesMsPerSecond * greetingMs {
            phase = .machine
            stoppedSpeakingReported = true
            return [AMDEvent(.machineDetected, timeMs: nowMs, detail: detail, reason: .unbrokenGreeting),
                    AMDEvent(.machineStoppedSpeaking, timeMs: nowMs)]
        }
        phase = .human(greetingEndFrame: lastSpeechEndFrame)
        return [AMDEvent(.humanDetected, timeMs: nowMs, detail: detail, reason: .greetingEnded)]
    }

    private mutating func beepHeard(hz: Double, frame: Int, nowMs: Int) -> [AMDEvent] {
        let tone = AMDEvent(.toneDetected, timeMs: nowMs, frequencyHz: Int(hz.rounded()))
        let machine = AMDEvent(.machineDetected, timeMs: nowMs, frequencyHz: Int(hz.rounded()), reason: .beep)
        switch phase {
        case .waitingForSpeech, .greeting:
            phase = .done
            verdictGiven = true
            return [machine, tone, AMDEvent(.stopped, timeMs: nowMs)]
        case .human(let greetingEnd):
            guard (frame - greetingEnd) * Self.frameMs <= configuration.greetingCompletionTimeoutMs else { return [] }
            phase = .done
            return [machine, tone, AMDEvent(.stopped, timeMs: nowMs)]
        case .machine:
            phase = .done
            return [tone, AMDEvent(.stopped, timeMs: nowMs)]
        case .done:
            return []
        }
    }

    private mutating func finish(_ kind: AMDEvent.Kind, reason: AMDEvent.Reason, nowMs: Int) -> [AMDEvent] {
        phase = .done
        verdictGiven = true
        return [AMDEvent(kind, timeMs: nowMs, reason: reason), AMDEvent(.stopped, timeMs: nowMs)]
    }
}
