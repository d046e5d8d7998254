import Foundation
import Testing
@testable import Telephony

/// The detector on its 20 ms clock: lost and suppressed packets, comfort noise, digital silence,
/// voiced vowels against beeps, SIT tones, and one verdict per detection.
@Suite struct AnsweringMachineDetectorClockTests {
    /// Feeds `audio` in 20 ms frames, replacing the frames whose numbers are in `lost` by
    /// `frameMissing()` (a jitter buffer that knows a packet never came).
    func run(_ parts: [[Int16]], lost: Set<Int> = [], configuration: AMDConfiguration = AMDConfiguration(),
             stop: Bool = true) -> [AMDEvent] {
        var detector = AnsweringMachineDetector(configuration: configuration)
        var events: [AMDEvent] = []
        let audio = parts.flatMap { $0 }
        for (number, start) in stride(from: 0, to: audio.count - 159, by: 160).enumerated() {
            events += lost.contains(number) ? detector.frameMissing() : detector.samplesReceived(audio[start..<start + 160])
        }
        return stop ? events + detector.stop() : events
    }

    func kinds(_ events: [AMDEvent]) -> [AMDEvent.Kind] { events.map(\.kind) }

    /// A vowel held at `pitch` Hz: a strong fundamental, weaker harmonics, a little jitter: most of
    /// its energy is at one frequency, as in a long "Allôô".
    static func vowel(pitch: Double, ms: Int, amplitude: Double = 7000) -> [Int16] {
        var noise = SyntheticAudio.Noise()
        var phase = 0.0
        return (0..<SyntheticAudio.samples(ms: ms)).map { index in
            let t = Double(index) / 8000
            let wobble: Double = 0.01 * sin(2 * Double.pi * 5.3 * t)
            let jitter: Double = 1 + wobble + 0.004 * noise.next()
            phase += 2 * Double.pi * pitch * jitter / 8000
            let fundamental: Double = sin(phase)
            let second: Double = 0.35 * sin(2 * phase + 0.4)
            let third: Double = 0.2 * sin(3 * phase + 1.1)
            return Int16(amplitude * (fundamental + second + third) / 1.3)
        }
    }

    @Test func missingFramesAdvanceTheClockButNotTheNoiseFloor() throws {
        var noise = SyntheticAudio.Noise()
        var detector = AnsweringMachineDetector()
        // A line about -45 dBov: loud enough that -90 dB "silence" would drag the floor far down.
        let line = SyntheticAudio.silence(ms: 1000, noise: &noise).map { $0 &* 30 }
        _ = detector.samplesReceived(line)
        let floor = try #require(detector.noiseFloorDb)
        for _ in 0..<50 { #expect(detector.frameMissing() == []) }
        #expect(detector.elapsedMs == 2000)
        #expect(detector.noiseFloorDb == floor)
        // Digital silence, as a receiver fills a lost packet, is a missing frame too.
        _ = detector.samplesReceived([Int16](repeating: 0, count: 160 * 10))
        #expect(detector.elapsedMs == 2200)
        #expect(detector.noiseFloorDb == floor)
        // The same line noise afterwards is still noise, not speech: nothing but "no speech".
        var events: [AMDEvent] = []
        for _ in 0..<4 { events += detector.samplesReceived(line) }
        #expect(kinds(events) == [.noSpeechDetected, .stopped])
        #expect(events.first?.timeMs == 5000)
    }

    @Test func noSpeechTimeoutFiresFromMissingFramesAlone() {
        var detector = AnsweringMachineDetector()
        var events: [AMDEvent] = []
        for tick in 1...300 {
            let now = detector.frameMissing()
            if tick < 250 { #expect(now == [], "tick \(tick)") }
            events += now
        }
        #expect(events == [AMDEvent(.noSpeechDetected, timeMs: 5000, reason: .noSpeech), AMDEvent(.stopped, timeMs: 5000)])
        #expect(detector.isFinished)
    }

    @Test func comfortNoiseIsSilenceAtItsLevel() throws {
        var detector = AnsweringMachineDetector()
        var events: [AMDEvent] = []
        for _ in 0..<250 { events += detector.comfortNoiseReceived(levelDBov: -50) }
        #expect(kinds(events) == [.noSpeechDetected, .stopped])
        #expect(events.first?.timeMs == 5000)
        let floor = try #require(detector.noiseFloorDb)
        #expect(abs(floor - -50) < 3)
    }

    @Test func aCalleeWhoseRTPStopsAfterHelloIsJudgedOnTheClock() throws {
        var noise = SyntheticAudio.Noise()
        var detector = AnsweringMachineDetector()
        var events = detector.samplesReceived(SyntheticAudio.silence(ms: 400, noise: &noise) + SyntheticAudio.speech(ms: 600, noise: &noise))
        // The sender's VAD suppresses every packet from here on.
        for _ in 0..<100 { events += detector.frameMissing() }
        let human = try #require(events.first { $0.kind == .humanDetected })
        #expect(human.timeMs >= 1780 && human.timeMs <= 1900)
    }

    @Test(arguments: [0.03, 0.05])
    func lostPacketsInsideAGreetingDoNotMakeAPersonAMachine(lossRate: Double) throws {
        var noise = SyntheticAudio.Noise()
        var lost: Set<Int> = []
        var dice = SyntheticAudio.Noise(state: 42)
        for frame in 0..<400 where dice.next() + 0.5 < lossRate { lost.insert(frame) }
        #expect(!lost.isEmpty)
        let events = run([SyntheticAudio.silence(ms: 500, noise: &noise), SyntheticAudio.speech(ms: 900, noise: &noise),
                          SyntheticAudio.silence(ms: 5000, noise: &noise)], lost: lost)
        let human = try #require(events.first { $0.kind == .humanDetected })
        #expect(human.timeMs <= 1400 + 1000)
        #expect(!events.contains { $0.kind == .machineDetected })
    }

    /// Voices in the room, well under the callee, go on after the callee stopped: they must not keep
    /// the greeting going (it would become a machine at `maximumGreetingMs`).
    @Test func voicesBehindAPersonDoNotKeepTheGreetingGoing() throws {
        var noise = SyntheticAudio.Noise()
        let room = SyntheticAudio.speech(ms: 6000, noise: &noise, seed: 2).map { Int16(Double($0) * 0.15) }  // -16 dB
        let events = run([SyntheticAudio.silence(ms: 300, noise: &noise), SyntheticAudio.speech(ms: 700, noise: &noise),
                          SyntheticAudio.silence(ms: 100, noise: &noise), room])
        let human = try #require(events.first { $0.kind == .humanDetected })
        #expect(human.timeMs <= 1000 + 1000)
        #expect(!events.contains { $0.kind == .machineDetected })
        // At the callee's own level the same voice does go on with the greeting.
        let loud = SyntheticAudio.speech(ms: 6000, noise: &noise, seed: 2)
        let talking = run([SyntheticAudio.silence(ms: 300, noise: &noise), SyntheticAudio.speech(ms: 700, noise: &noise),
                           SyntheticAudio.silence(ms: 100, noise: &noise), loud])
        #expect(kinds(talking).first == .machineDetected)
    }

    /// A 5 s greeting is no longer a machine by its length: a person reading out a business greeting
    /// pauses at its commas and then waits; a recorded announcement runs on without pausing.
    @Test func aLongGreetingIsJudgedByItsShapeNotItsLength() throws {
        var noise = SyntheticAudio.Noise()
        var person: [[Int16]] = [SyntheticAudio.silence(ms: 300, noise: &noise)]
        for phrase in 0..<4 {
            person += [SyntheticAudio.speech(ms: 1050, noise: &noise, seed: Double(phrase)), SyntheticAudio.silence(ms: 280, noise: &noise)]
        }
        person.append(SyntheticAudio.silence(ms: 4000, noise: &noise))
        let personEvents = run(person)
        #expect(kinds(personEvents).first == .humanDetected, "\(personEvents)")
        let announcement = run([SyntheticAudio.silence(ms: 300, noise: &noise), SyntheticAudio.speech(ms: 5000, noise: &noise),
                                SyntheticAudio.silence(ms: 4000, noise: &noise)])
        let machine = try #require(announcement.first)
        #expect(machine.kind == .machineDetected && machine.reason == .unbrokenGreeting)
        #expect(machine.timeMs <= 5300 + 1000)
    }

    @Test(arguments: [270.0, 480.0])
    func aHeldVowelIsNotABeep(pitch: Double) throws {
        // The fundamental alone would pass for a tone; its harmonics say it is a voice.
        let frame = Self.vowel(pitch: pitch, ms: 20)
        #expect(FrameAnalysis(frame[...]).purity > 0.8)
        #expect(FrameAnalysis(frame[...]).toneHz == nil)
        var noise = SyntheticAudio.Noise()
        let events = run([SyntheticAudio.silence(ms: 300, noise: &noise), Self.vowel(pitch: pitch, ms: 1500),
                          SyntheticAudio.silence(ms: 3000, noise: &noise)])
        #expect(!events.contains { $0.kind == .toneDetected || $0.kind == .machineDetected })
        #expect(kinds(events).first == .humanDetected)
    }

    @Test(arguments: [440.0, 850, 1000, 1400])
    func aPureToneAfterAGreetingIsABeep(hz: Double) throws {
        var noise = SyntheticAudio.Noise()
        let events = run([SyntheticAudio.silence(ms: 300, noise: &noise), SyntheticAudio.speech(ms: 6500, noise: &noise),
                          SyntheticAudio.silence(ms: 500, noise: &noise), SyntheticAudio.tone(hz, ms: 400),
                          SyntheticAudio.silence(ms: 500, noise: &noise)])
        let beep = try #require(events.first { $0.kind == .toneDetected })
        #expect(beep.frequencyHz.map { abs(Double($0) - hz) <= 15 } == true)
        #expect(beep.timeMs - 7300 <= 300)
    }

    @Test func aToneBelowTheBeepRangeIsNotABeep() {
        var noise = SyntheticAudio.Noise()
        let events = run([SyntheticAudio.silence(ms: 300, noise: &noise), SyntheticAudio.speech(ms: 6500, noise: &noise),
                          SyntheticAudio.silence(ms: 500, noise: &noise), SyntheticAudio.tone(270, ms: 400),
                          SyntheticAudio.silence(ms: 500, noise: &noise)])
        #expect(!events.contains { $0.kind == .toneDetected })
    }

    /// ITU-T E.180 / Telcordia: 913.8 or 985.2, 1370.6 or 1428.5, then 1776.7 Hz, 274 or 380 ms each.
    @Test(arguments: [([913.8, 1370.6, 1776.7], 274), ([985.2, 1428.5, 1776.7], 380), ([913.8, 1428.5, 1776.7], 274)])
    func sitTonesAreAnInterceptWithTheirFrequencies(frequencies: [Double], segmentMs: Int) throws {
        var noise = SyntheticAudio.Noise()
        let tones = frequencies.flatMap { SyntheticAudio.tone($0, ms: segmentMs) }
        let events = run([SyntheticAudio.silence(ms: 400, noise: &noise), tones, SyntheticAudio.silence(ms: 300, noise: &noise),
                          SyntheticAudio.speech(ms: 3000, noise: &noise), SyntheticAudio.silence(ms: 2000, noise: &noise)],
                         lost: [30, 45])  // a packet lost in the first and second segments
        #expect(kinds(events) == [.machineDetected, .stopped])
        let verdict = try #require(events.first)
        #expect(verdict.reason == .sit && verdict.isIntercept)
        #expect(verdict.frequenciesHz.count == 3)
        for (found, nominal) in zip(verdict.frequenciesHz, frequencies) { #expect(abs(Double(found) - nominal) <= 15) }
        // Decided during the third tone, before the announcement.
        #expect(verdict.timeMs <= 400 + 3 * segmentMs)
    }

    @Test func aSingleToneInASITBandIsNotAnIntercept() {
        var noise = SyntheticAudio.Noise()
        let events = run([SyntheticAudio.silence(ms: 400, noise: &noise), SyntheticAudio.speech(ms: 6500, noise: &noise),
                          SyntheticAudio.silence(ms: 500, noise: &noise), SyntheticAudio.tone(1776.7, ms: 400),
                          SyntheticAudio.silence(ms: 500, noise: &noise)])
        #expect(!events.contains { $0.reason == .sit })
        #expect(events.contains { $0.kind == .toneDetected })
    }

    /// Every detection ends in a verdict and then `amd_stopped`, once; the only second verdict is the
    /// beep's machine after a short "human" greeting.
    @Test(arguments: ["human", "machine", "beep after hello", "silence", "fax", "sit", "stopped in greeting",
                      "stopped at once", "no packets"])
    func everyDetectionEndsInOneVerdict(scenario: String) throws {
        var noise = SyntheticAudio.Noise()
        var parts: [[Int16]] = [SyntheticAudio.silence(ms: 300, noise: &noise)]
        var lost: Set<Int> = []
        switch scenario {
        case "human": parts += [SyntheticAudio.speech(ms: 600, noise: &noise), SyntheticAudio.silence(ms: 4000, noise: &noise)]
        case "machine": parts += [SyntheticAudio.speech(ms: 7000, noise: &noise), SyntheticAudio.silence(ms: 600, noise: &noise),
                                  SyntheticAudio.tone(1000, ms: 300), SyntheticAudio.silence(ms: 600, noise: &noise)]
        case "beep after hello": parts += [SyntheticAudio.speech(ms: 700, noise: &noise), SyntheticAudio.silence(ms: 1200, noise: &noise),
                                           SyntheticAudio.tone(1000, ms: 300), SyntheticAudio.silence(ms: 600, noise: &noise)]
        case "silence": parts += [SyntheticAudio.silence(ms: 6000, noise: &noise)]
        case "fax": parts += [SyntheticAudio.tone(2100, ms: 1000), SyntheticAudio.silence(ms: 600, noise: &noise)]
        case "sit": parts += [SyntheticAudio.tone(913.8, ms: 274), SyntheticAudio.tone(1370.6, ms: 274),
                              SyntheticAudio.tone(1776.7, ms: 380), SyntheticAudio.silence(ms: 600, noise: &noise)]
        case "stopped in greeting": parts += [SyntheticAudio.speech(ms: 2000, noise: &noise)]
        case "stopped at once": break
        default: parts += [SyntheticAudio.silence(ms: 8000, noise: &noise)]; lost = Set(0..<500)
        }
        let events = run(parts, lost: lost)
        let verdicts = events.filter { $0.kind.isVerdict }.map(\.kind)
        #expect(verdicts.count == 1 || verdicts == [.humanDetected, .machineDetected], "\(verdicts)")
        #expect(events.filter { $0.kind == .stopped }.count == 1)
        #expect(events.last?.kind == .stopped)
        let firstVerdict = try #require(events.firstIndex { $0.kind.isVerdict })
        #expect(firstVerdict < events.count - 1)
        if scenario.hasPrefix("stopped") {
            #expect(events.first == AMDEvent(.decisionTimeout, timeMs: events.last?.timeMs ?? -1, reason: .stopped))
        }
    }

    @Test func failingBeforeAVerdictStillGivesOne() {
        var detector = AnsweringMachineDetector()
        let events = detector.fail("no RTP", atMs: 5000)
        #expect(kinds(events) == [.error, .decisionTimeout, .stopped])
        #expect(detector.stop() == [])
    }
}

/// The `amd` settings users give (campaign files, `campaignd amd --set`) are the detector's tunables.
@Suite struct AMDConfigurationTests {
    @Test func everyTunableIsSettableAndItsDefaultIsInItsRange() throws {
        let defaults = AMDConfiguration()
        for tunable in AMDTunable.allCases {
            var configuration = AMDConfiguration()
            configuration[tunable] = tunable.range.upperBound
            #expect(configuration[tunable] == tunable.range.upperBound, "\(tunable)")
            #expect(configuration != defaults, "\(tunable) did not change")
            // Every tunable is a field of its own.
            var other = configuration
            for second in AMDTunable.allCases where second != tunable { other[second] = second.range.lowerBound }
            #expect(other[tunable] == tunable.range.upperBound, "\(tunable) shares a field")
        }
        // The defaults themselves lie within the documented ranges.
        let values: [AMDTunable: Double] = [
            .maximumGreetingMs: Double(defaults.maximumGreetingMs), .sentencePauseContrast: defaults.sentencePauseContrast,
            .longSentencePauseMs: Double(defaults.longSentencePauseMs), .unbrokenGreetingMs: Double(defaults.unbrokenGreetingMs),
            .unbrokenPausesMsPerSecond: Double(defaults.unbrokenPausesMsPerSecond), .beepMinimumHz: Double(defaults.beepMinimumHz),
            .beepMaximumHz: Double(defaults.beepMaximumHz), .beepMaximumHarmonicDb: defaults.beepMaximumHarmonicDb,
            .sitToneMinimumMs: Double(defaults.sitToneMinimumMs), .sitSegmentMaximumMs: Double(defaults.sitSegmentMaximumMs),
            .lossConcealmentMs: Double(defaults.lossConcealmentMs), .speechBelowPeakDb: defaults.speechBelowPeakDb,
            .resumeBelowPeakDb: defaults.resumeBelowPeakDb, .resumePauseMs: Double(defaults.resumePauseMs),
            .thresholdWordCount: Double(defaults.thresholdWordCount),
        ]
        for (name, value) in values {
            #expect(name.range.contains(value), "\(name) default \(value) outside \(name.range)")
        }
    }
}
