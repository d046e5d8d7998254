import Testing
@testable import Telephony

@Suite struct FrameAnalysisTests {
    @Test(arguments: [300.0, 440, 850, 1000, 1400, 2100, 3000])
    func findsAPureTonesFrequency(hz: Double) throws {
        let frame = SyntheticAudio.tone(hz, ms: 20)
        let analysis = FrameAnalysis(frame[...])
        let found = try #require(analysis.toneHz)
        #expect(abs(found - hz) <= 15)
        #expect(analysis.purity > 0.9)
    }

    @Test func speechAndSilenceAreNotTones() {
        var noise = SyntheticAudio.Noise()
        let speech = SyntheticAudio.speech(ms: 2000, noise: &noise)
        for start in stride(from: 0, to: speech.count, by: 160) {
            #expect(FrameAnalysis(speech[start..<start + 160]).toneHz == nil)
        }
        #expect(FrameAnalysis(SyntheticAudio.silence(ms: 20, noise: &noise)[...]).energyDb < -55)
    }

    @Test func levelsAreInDBov() {
        // A full-scale sine is 3 dB below a full-scale square wave.
        let analysis = FrameAnalysis(SyntheticAudio.tone(1000, ms: 20, amplitude: 32767)[...])
        #expect(abs(analysis.energyDb - -3.0) < 0.2)
    }
}

@Suite struct AnsweringMachineDetectorTests {
    func run(_ parts: [[Int16]], configuration: AMDConfiguration = AMDConfiguration()) -> [AMDEvent] {
        var detector = AnsweringMachineDetector(configuration: configuration)
        var events: [AMDEvent] = []
        // Feed in odd-sized chunks, as RTP packets may come.
        let audio = parts.flatMap { $0 }
        var index = 0
        while index < audio.count {
            let end = min(index + 97, audio.count)
            events += detector.samplesReceived(audio[index..<end])
            index = end
        }
        return events + detector.stop()
    }

    func kinds(_ events: [AMDEvent]) -> [AMDEvent.Kind] { events.map(\.kind) }

    @Test func aShortGreetingThenSilenceIsAHuman() throws {
        var noise = SyntheticAudio.Noise()
        let events = run([SyntheticAudio.silence(ms: 400, noise: &noise), SyntheticAudio.speech(ms: 600, noise: &noise),
                          SyntheticAudio.silence(ms: 4000, noise: &noise)])
        let human = try #require(events.first { $0.kind == .humanDetected })
        // The greeting ends at 1000 ms; the verdict comes after `afterGreetingSilenceMs` (800) of silence.
        #expect(human.timeMs >= 1780 && human.timeMs <= 1900)
        #expect(!events.contains { $0.kind == .machineDetected })
        #expect(events.last?.kind == .stopped)
    }

    @Test func aLongContinuousGreetingIsAMachineWhileItIsStillTalking() throws {
        var noise = SyntheticAudio.Noise()
        let events = run([SyntheticAudio.silence(ms: 300, noise: &noise), SyntheticAudio.speech(ms: 7000, noise: &noise),
                          SyntheticAudio.silence(ms: 1500, noise: &noise)])
        let machine = try #require(events.first { $0.kind == .machineDetected })
        #expect(machine.timeMs >= 6200 && machine.timeMs <= 6400)  // maximumGreetingMs after the speech started
        let stopped = try #require(events.first { $0.kind == .machineStoppedSpeaking })
        #expect(stopped.timeMs >= 8100 && stopped.timeMs <= 8200)
        #expect(!events.contains { $0.kind == .humanDetected })
    }

    @Test func aSentenceBreakInALongGreetingMeansARecording() {
        var noise = SyntheticAudio.Noise()
        let recording = run([SyntheticAudio.silence(ms: 300, noise: &noise), SyntheticAudio.speech(ms: 1500, noise: &noise),
                             SyntheticAudio.silence(ms: 450, noise: &noise), SyntheticAudio.speech(ms: 1200, noise: &noise, seed: 1),
                             SyntheticAudio.silence(ms: 2000, noise: &noise)])
        #expect(kinds(recording).first == .machineDetected)
        // The same words with comma-length pauses are a person introducing themselves.
        let person = run([SyntheticAudio.silence(ms: 300, noise: &noise), SyntheticAudio.speech(ms: 1500, noise: &noise),
                          SyntheticAudio.silence(ms: 200, noise: &noise), SyntheticAudio.speech(ms: 1200, noise: &noise, seed: 1),
                          SyntheticAudio.silence(ms: 2000, noise: &noise)])
        #expect(kinds(person).first == .humanDetected)
    }

    @Test func aBeepAfterAShortGreetingTurnsHumanIntoMachine() throws {
        var noise = SyntheticAudio.Noise()
        // "Leave a message." then a beep 1.2 s later: a person by timing, a machine by the beep.
        let events = run([SyntheticAudio.silence(ms: 300, noise: &noise), SyntheticAudio.speech(ms: 800, noise: &noise),
                          SyntheticAudio.silence(ms: 1200, noise: &noise), SyntheticAudio.tone(850, ms: 500),
                          SyntheticAudio.silence(ms: 1000, noise: &noise)])
        #expect(kinds(events) == [.humanDetected, .machineDetected, .toneDetected, .stopped])
        let beep = try #require(events.first { $0.kind == .toneDetected })
        #expect(beep.frequencyHz.map { abs($0 - 850) <= 15 } == true)
        #expect(beep.timeMs - 2300 <= 300)  // the beep started at 2300 ms
        #expect(AMDEvaluation.Result(file: "", events: events).verdict?.kind == .machineDetected)
    }

    @Test func aBeepLongAfterAHumanGreetingIsIgnored() {
        var noise = SyntheticAudio.Noise()
        let events = run([SyntheticAudio.silence(ms: 300, noise: &noise), SyntheticAudio.speech(ms: 600, noise: &noise),
                          SyntheticAudio.silence(ms: 3500, noise: &noise),
                          SyntheticAudio.tone(1000, ms: 500)])
        #expect(kinds(events) == [.humanDetected, .stopped])
    }

    @Test func reportsTheBeepAfterAMachineGreeting() throws {
        var noise = SyntheticAudio.Noise()
        let events = run([SyntheticAudio.silence(ms: 300, noise: &noise), SyntheticAudio.speech(ms: 6000, noise: &noise),
                          SyntheticAudio.silence(ms: 900, noise: &noise), SyntheticAudio.tone(1400, ms: 400),
                          SyntheticAudio.silence(ms: 500, noise: &noise)])
        #expect(kinds(events) == [.machineDetected, .machineStoppedSpeaking, .toneDetected, .stopped])
        let beep = try #require(events.first { $0.kind == .toneDetected })
        #expect(beep.timeMs >= 7200 + 100 && beep.timeMs <= 7200 + 300)
    }

    @Test(arguments: [(80, false), (100, true), (120, true)])
    func beepsShorterThanTheMinimumAreNotBeeps(ms: Int, isBeep: Bool) {
        var noise = SyntheticAudio.Noise()
        let events = run([SyntheticAudio.silence(ms: 300, noise: &noise), SyntheticAudio.speech(ms: 6000, noise: &noise),
                          SyntheticAudio.silence(ms: 500, noise: &noise), SyntheticAudio.tone(1000, ms: ms),
                          SyntheticAudio.silence(ms: 500, noise: &noise)])
        #expect(events.contains { $0.kind == .toneDetected } == isBeep)
    }

    @Test func speechIsNeverABeep() {
        var noise = SyntheticAudio.Noise()
        for seed in 0..<8 {
            let events = run([SyntheticAudio.speech(ms: 8000, noise: &noise, seed: Double(seed))])
            #expect(!events.contains { $0.kind == .toneDetected }, "seed \(seed)")
        }
    }

    @Test(arguments: [2100.0, 1100.0])
    func faxTonesBeforeAnySpeechAreAFax(hz: Double) throws {
        var noise = SyntheticAudio.Noise()
        let events = run([SyntheticAudio.silence(ms: 500, noise: &noise), SyntheticAudio.tone(hz, ms: 500),
                          SyntheticAudio.silence(ms: 3000, noise: &noise)])
        #expect(kinds(events) == [.faxDetected, .stopped])
        let fax = try #require(events.first)
        #expect(fax.frequencyHz.map { abs(Double($0) - hz) <= 15 } == true)
        #expect(fax.timeMs <= 500 + 400)
    }

    @Test func silenceIsNoSpeechAtTheTimeout() {
        var noise = SyntheticAudio.Noise()
        let events = run([SyntheticAudio.silence(ms: 8000, noise: &noise)])
        #expect(events == [AMDEvent(.noSpeechDetected, timeMs: 5000, reason: .noSpeech), AMDEvent(.stopped, timeMs: 5000)])
    }

    @Test func thresholdsAreConfiguration() {
        var noise = SyntheticAudio.Noise()
        var patient = AMDConfiguration()
        patient.noSpeechTimeoutMs = 7000
        let events = run([SyntheticAudio.silence(ms: 8000, noise: &noise)], configuration: patient)
        #expect(events.first == AMDEvent(.noSpeechDetected, timeMs: 7000, reason: .noSpeech))

        var strict = AMDConfiguration()
        strict[.maximumGreetingMs] = 2000
        #expect(strict.maximumGreetingMs == 2000)
        #expect(AMDTunable(rawValue: "noSuchThing") == nil)
        let machine = run([SyntheticAudio.silence(ms: 300, noise: &noise), SyntheticAudio.speech(ms: 3000, noise: &noise)],
                          configuration: strict)
        #expect(machine.first.map { $0.kind == .machineDetected && $0.timeMs <= 2400 } == true)
    }

    @Test func decisionTimeoutWhenSpeechNeverSettles() {
        var noise = SyntheticAudio.Noise()
        var configuration = AMDConfiguration()
        configuration.maximumGreetingMs = 30000
        configuration.thresholdWordCount = 100
        configuration.decisionTimeoutMs = 6000
        let events = run([SyntheticAudio.silence(ms: 300, noise: &noise), SyntheticAudio.speech(ms: 8000, noise: &noise)],
                         configuration: configuration)
        #expect(events.first == AMDEvent(.decisionTimeout, timeMs: 6000, reason: .timeout))
    }
}
