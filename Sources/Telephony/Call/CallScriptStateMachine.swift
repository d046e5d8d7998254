/// Runs a `CallScript` on an answered call: events in (AMD verdicts, digits, prompt ends, timers),
/// actions out (play, stop, hang up). Pure; `OutboundCall` carries the actions out.
///
/// DESIGN.md "Data flow" 4: human → `onHuman`; machine + `detect` → wait for the beep (or the
/// detector giving up, or `voicemailEndTimeoutSec`), then `onMachine`; machine + `disconnect`, or
/// a fax → hang up with `machine-detected`. A carrier intercept (`amd_machine_detected` with reason
/// `.sit`: ITU-T E.180 special information tones) means the number does not work: hang up with
/// `invalid-number` in either mode, which is never retried. No speech, a decision timeout or a media
/// error are treated as a person: hanging up on a live customer is the costly mistake.
public struct CallScriptStateMachine: Sendable {
    public enum Prompt: String, Sendable, Equatable {
        case human
        case machine
    }

    public enum Timer: Sendable, Equatable {
        case voicemailEnd
    }

    public enum Action: Sendable, Equatable {
        case startDetection
        case stopDetection
        case play(Prompt)
        case stopPlaying
        case startTimer(Timer, after: Duration)
        case cancelTimer(Timer)
        case hangUp(CallOutcome.ReasonCode)
        /// The callee pressed the opt-out digit.
        case optedOut(Character)
    }

    enum State: Sendable, Equatable {
        case idle
        case detecting
        case playing(Prompt)
        case waitingForBeep
        /// Nothing more to do; the call stays up until the callee hangs up (or max duration).
        case listening
        case done
    }

    public let script: CallScript
    private(set) var state = State.idle

    public init(script: CallScript) {
        self.script = script
    }

    public mutating func answered() -> [Action] {
        guard state == .idle else { return [] }
        if script.machineDetection != .disabled {
            state = .detecting
            return [.startDetection]
        }
        return playOrFinish(.human, fallback: .listening)
    }

    public mutating func amdEventsReceived(_ events: [AMDEvent]) -> [Action] {
        var actions: [Action] = []
        for event in events { actions += amdEventReceived(event) }
        return actions
    }

    mutating func amdEventReceived(_ event: AMDEvent) -> [Action] {
        switch event.kind {
        case .humanDetected, .noSpeechDetected, .decisionTimeout, .error:
            guard state == .detecting else { return [] }
            return playOrFinish(.human, fallback: .done)
        case .machineDetected:
            var actions: [Action] = []
            switch state {
            case .detecting: break
            case .playing(.human): actions.append(.stopPlaying)  // a beep after "hello": it was a recording
            case .idle, .playing(.machine), .waitingForBeep, .listening, .done: return []
            }
            if event.reason == .sit {
                // ITU-T E.180: an intercept announcement, not a mailbox; nothing to leave a message on.
                state = .done
                return actions + [.stopDetection, .hangUp(.invalidNumber)]
            }
            if script.machineDetection == .disconnect {
                state = .done
                return actions + [.stopDetection, .hangUp(.machineDetected)]
            }
            state = .waitingForBeep
            return actions + [.startTimer(.voicemailEnd, after: script.voicemailEndTimeout)]
        case .faxDetected:
            guard state == .detecting || state == .waitingForBeep else { return [] }
            state = .done
            return [.stopDetection, .hangUp(.machineDetected)]
        case .toneDetected, .stopped:
            guard state == .waitingForBeep else { return [] }
            return [.cancelTimer(.voicemailEnd), .stopDetection] + playOrFinish(.machine, fallback: .done)
        case .machineStoppedSpeaking:
            return []
        }
    }

    public mutating func timerFired(_ timer: Timer) -> [Action] {
        switch timer {
        case .voicemailEnd:
            guard state == .waitingForBeep else { return [] }
            return [.stopDetection] + playOrFinish(.machine, fallback: .done)
        }
    }

    public mutating func playbackFinished(_ prompt: Prompt) -> [Action] {
        guard state == .playing(prompt) else { return [] }
        state = .done
        return [.stopDetection, .hangUp(.dialerDisconnected)]
    }

    public mutating func digitReceived(_ digit: Character) -> [Action] {
        guard let optOut = script.optOutDigit, digit == optOut else { return [] }
        switch state {
        case .playing(.human), .listening:
            state = .done
            return [.stopPlaying, .stopDetection, .optedOut(digit), .hangUp(.dialerDisconnected)]
        case .idle, .detecting, .playing(.machine), .waitingForBeep, .done:
            return []
        }
    }

    private mutating func playOrFinish(_ prompt: Prompt, fallback: State) -> [Action] {
        let samples = prompt == .human ? script.humanPrompt : script.machinePrompt
        if samples != nil {
            state = .playing(prompt)
            return [.play(prompt)]
        }
        state = fallback
        return fallback == .done ? [.stopDetection, .hangUp(.dialerDisconnected)] : []
    }
}
