import Testing
@testable import Telephony

@Suite struct CallScriptStateMachineTests {
    let prompt = PromptAudio(samples: [0, 1, 2])

    func machine(_ mode: CallScript.MachineDetection, human: Bool = true, voicemail: Bool = true,
                 optOut: Character? = nil) -> CallScriptStateMachine {
        CallScriptStateMachine(script: CallScript(
            machineDetection: mode, humanPrompt: human ? prompt : nil, machinePrompt: voicemail ? prompt : nil,
            optOutDigit: optOut, voicemailEndTimeout: .seconds(30)))
    }

    func event(_ kind: AMDEvent.Kind, _ ms: Int = 1000) -> AMDEvent { AMDEvent(kind, timeMs: ms) }

    @Test func withoutDetectionThePromptPlaysAtOnceThenTheCallEnds() {
        var script = machine(.disabled)
        #expect(script.answered() == [.play(.human)])
        #expect(script.playbackFinished(.human) == [.stopDetection, .hangUp(.dialerDisconnected)])
    }

    @Test func withoutDetectionOrPromptTheCallIsLeftToTheCallee() {
        var script = machine(.disabled, human: false)
        #expect(script.answered() == [])
        #expect(script.amdEventsReceived([event(.machineDetected)]) == [])
    }

    @Test func aHumanHearsTheHumanPrompt() {
        var script = machine(.detect)
        #expect(script.answered() == [.startDetection])
        #expect(script.amdEventsReceived([event(.humanDetected)]) == [.play(.human)])
        #expect(script.playbackFinished(.human) == [.stopDetection, .hangUp(.dialerDisconnected)])
    }

    @Test(arguments: [AMDEvent.Kind.noSpeechDetected, .decisionTimeout, .error])
    func uncertaintyIsTreatedAsAPerson(kind: AMDEvent.Kind) {
        var script = machine(.disconnect)
        _ = script.answered()
        #expect(script.amdEventsReceived([event(kind)]) == [.play(.human)])
    }

    @Test func detectWaitsForTheBeepThenLeavesTheVoicemail() {
        var script = machine(.detect)
        _ = script.answered()
        #expect(script.amdEventsReceived([event(.machineDetected)]) == [.startTimer(.voicemailEnd, after: .seconds(30))])
        #expect(script.amdEventsReceived([event(.machineStoppedSpeaking)]) == [])
        #expect(script.amdEventsReceived([event(.toneDetected), event(.stopped)])
            == [.cancelTimer(.voicemailEnd), .stopDetection, .play(.machine)])
        #expect(script.playbackFinished(.machine) == [.stopDetection, .hangUp(.dialerDisconnected)])
    }

    @Test func noBeepMeansTheVoicemailStartsAtTheTimeoutOrWhenDetectionGivesUp() {
        var timedOut = machine(.detect)
        _ = timedOut.answered()
        _ = timedOut.amdEventsReceived([event(.machineDetected)])
        #expect(timedOut.timerFired(.voicemailEnd) == [.stopDetection, .play(.machine)])

        var gaveUp = machine(.detect)
        _ = gaveUp.answered()
        _ = gaveUp.amdEventsReceived([event(.machineDetected)])
        #expect(gaveUp.amdEventsReceived([event(.stopped, 20000)]) == [.cancelTimer(.voicemailEnd), .stopDetection, .play(.machine)])
    }

    @Test func aBeepAfterHelloStopsTheHumanPromptForTheVoicemail() {
        var script = machine(.detect)
        _ = script.answered()
        _ = script.amdEventsReceived([event(.humanDetected)])
        #expect(script.amdEventsReceived([event(.machineDetected), event(.toneDetected), event(.stopped)])
            == [.stopPlaying, .startTimer(.voicemailEnd, after: .seconds(30)), .cancelTimer(.voicemailEnd), .stopDetection,
                .play(.machine)])
    }

    @Test func disconnectHangsUpOnMachinesAndFaxes() {
        var machineCall = machine(.disconnect)
        _ = machineCall.answered()
        #expect(machineCall.amdEventsReceived([event(.machineDetected)]) == [.stopDetection, .hangUp(.machineDetected)])
        var faxCall = machine(.detect)
        _ = faxCall.answered()
        #expect(faxCall.amdEventsReceived([event(.faxDetected)]) == [.stopDetection, .hangUp(.machineDetected)])
    }

    /// ITU-T E.180 special information tones: the number does not work, whatever the mode; the
    /// outcome is `invalid-number`, which RetryPolicy never retries.
    @Test(arguments: [CallScript.MachineDetection.detect, .disconnect])
    func sitTonesHangUpAsAnInvalidNumber(mode: CallScript.MachineDetection) {
        var script = machine(mode)
        _ = script.answered()
        let sit = AMDEvent(.machineDetected, timeMs: 900, frequencyHz: 914, reason: .sit, frequenciesHz: [914, 1371, 1777])
        #expect(script.amdEventsReceived([sit, event(.stopped, 900)]) == [.stopDetection, .hangUp(.invalidNumber)])
        // Nothing more happens after the hang-up: no voicemail at the timer.
        #expect(script.timerFired(.voicemailEnd) == [])
    }

    @Test func sitTonesAfterAHumanVerdictStopThePromptAndHangUp() {
        var script = machine(.detect)
        _ = script.answered()
        #expect(script.amdEventsReceived([event(.humanDetected)]) == [.play(.human)])
        let sit = AMDEvent(.machineDetected, timeMs: 2500, reason: .sit, frequenciesHz: [985, 1429, 1777])
        #expect(script.amdEventsReceived([sit]) == [.stopPlaying, .stopDetection, .hangUp(.invalidNumber)])
    }

    @Test func aMachineWithoutSITIsNotAnInvalidNumber() {
        var script = machine(.disconnect)
        _ = script.answered()
        let beep = AMDEvent(.machineDetected, timeMs: 900, frequencyHz: 914, reason: .beep)
        #expect(script.amdEventsReceived([beep]) == [.stopDetection, .hangUp(.machineDetected)])
    }

    @Test func theOptOutDigitWorksOnlyWhileAPersonListens() {
        var script = machine(.detect, optOut: "9")
        _ = script.answered()
        #expect(script.digitReceived("9") == [])  // not while detecting
        _ = script.amdEventsReceived([event(.humanDetected)])
        #expect(script.digitReceived("5") == [])
        #expect(script.digitReceived("9") == [.stopPlaying, .stopDetection, .optedOut("9"), .hangUp(.dialerDisconnected)])
        #expect(script.playbackFinished(.human) == [])
    }

    @Test func missingPromptsFinishTheScript() {
        var script = machine(.detect, human: false, voicemail: false)
        _ = script.answered()
        #expect(script.amdEventsReceived([event(.humanDetected)]) == [.stopDetection, .hangUp(.dialerDisconnected)])
    }
}

@Suite struct CallScriptConnectTests {
    let prompt = PromptAudio(samples: [0, 1, 2])

    func plan(_ method: ConnectPlan.Method = .bridge, hold: Bool = true, abandon: Bool = true) -> ConnectPlan {
        ConnectPlan(target: "sip:agent@127.0.0.1", method: method, timeout: .seconds(20),
                    holdPrompt: hold ? prompt : nil, abandonPrompt: abandon ? prompt : nil)
    }

    func event(_ kind: AMDEvent.Kind) -> AMDEvent { AMDEvent(kind, timeMs: 1500) }

    @Test func aPersonIsPutThroughWhileHoldPlaysAndBridgedOnTheAnswer() {
        let connect = plan()
        var script = CallScriptStateMachine(script: CallScript(machineDetection: .detect, humanPrompt: prompt, humanConnect: connect))
        #expect(script.answered() == [.startDetection])
        #expect(script.amdEventsReceived([event(.humanDetected)])
            == [.stopDetection, .startTimer(.connectTimeout, after: .seconds(20)), .play(.hold), .connect(connect)])
        // Hold music loops until the agent answers.
        #expect(script.playbackFinished(.hold) == [.play(.hold)])
        #expect(script.connectAnswered() == [.cancelTimer(.connectTimeout), .stopPlaying, .bridge])
        #expect(script.digitReceived("9") == [])
        #expect(script.connectEnded() == [.hangUp(.agentDisconnected)])
    }

    @Test func withoutDetectionWhoeverAnswersIsPutThroughAtOnce() {
        let connect = plan(hold: false)
        var script = CallScriptStateMachine(script: CallScript(humanConnect: connect))
        #expect(script.answered() == [.stopDetection, .startTimer(.connectTimeout, after: .seconds(20)), .connect(connect)])
    }

    @Test func aFailedOrLateSecondLegPlaysTheAbandonPromptThenHangsUp() {
        var failed = CallScriptStateMachine(script: CallScript(humanConnect: plan()))
        _ = failed.answered()
        #expect(failed.connectFailed() == [.cancelTimer(.connectTimeout), .stopPlaying, .abandoned, .play(.abandon)])
        #expect(failed.playbackFinished(.abandon) == [.stopDetection, .hangUp(.abandoned)])
        // Its late answer (a race with the failure) is hung up, not bridged.
        #expect(failed.connectAnswered() == [.hangUpConnect])

        var late = CallScriptStateMachine(script: CallScript(humanConnect: plan(abandon: false)))
        _ = late.answered()
        #expect(late.timerFired(.connectTimeout) == [.hangUpConnect, .cancelTimer(.connectTimeout), .stopPlaying, .abandoned, .hangUp(.abandoned)])
        #expect(late.connectFailed() == [])
    }

    @Test func aMachineGoesToItsOwnConnectOnlyWhenOneIsSet() {
        let bot = plan(hold: false)
        var script = CallScriptStateMachine(script: CallScript(machineDetection: .detect, machineConnect: bot))
        _ = script.answered()
        #expect(script.amdEventsReceived([event(.machineDetected)])
            == [.stopDetection, .startTimer(.connectTimeout, after: .seconds(20)), .connect(bot)])

        var people = CallScriptStateMachine(script: CallScript(machineDetection: .detect, humanConnect: bot))
        _ = people.answered()
        #expect(people.amdEventsReceived([event(.machineDetected)]) == [.startTimer(.voicemailEnd, after: .seconds(30))])
    }

    @Test func aReferTakenEndsOurLegAsTransferredARefusedOneIsAbandoned() {
        let refer = plan(.refer, hold: false)
        var taken = CallScriptStateMachine(script: CallScript(humanConnect: refer))
        #expect(taken.answered() == [.stopDetection, .startTimer(.connectTimeout, after: .seconds(20)), .refer(refer)])
        #expect(taken.transferred() == [.cancelTimer(.connectTimeout), .stopPlaying, .hangUp(.transferred)])

        var refused = CallScriptStateMachine(script: CallScript(humanConnect: refer))
        _ = refused.answered()
        #expect(refused.connectFailed() == [.cancelTimer(.connectTimeout), .stopPlaying, .abandoned, .play(.abandon)])
        #expect(refused.transferred() == [])
    }
}
