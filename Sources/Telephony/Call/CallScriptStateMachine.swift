/// Runs a `CallScript` on an answered call: events in (AMD verdicts, digits, prompt ends, timers),
/// actions out (play, stop, hang up). Pure; `OutboundCall` carries the actions out.
///
/// DESIGN.md "Data flow" 4: human → `onHuman`; machine + `detect` → wait for the beep (or the
/// detector giving up, or `voicemailEndTimeoutSec`), then `onMachine`; machine + `disconnect`, or
/// a fax → hang up with `machine-detected`. A carrier intercept (`amd_machine_detected` with reason
/// `.sit`: ITU-T E.180 special information tones) means the number does not work: hang up with
/// `invalid-number` in either mode, which is never retried. No speech, a decision timeout or a media
/// error are treated as a person: hanging up on a live customer is the costly mistake.
///
/// Connecting (`onHuman.connect`, `onMachine.connect`): instead of a prompt, the person (or the
/// machine) is put through. Bridge: a second leg is placed while the person hears the hold prompt;
/// its answer bridges the two, its failure or the timeout plays the abandon prompt and hangs up
/// (`abandoned`); its hang-up ends the call (`agent-disconnected`). Refer: the person's leg is
/// asked to call the target; a 2xx in the NOTIFY ends our leg (`transferred`), a failure abandons.
public struct CallScriptStateMachine: Sendable {
    public enum Prompt: String, Sendable, Equatable {
        case human
        case machine
        /// `holdPlay`, looped while the second leg rings.
        case hold
        /// `abandonPlay`, before hanging up on a person nobody took.
        case abandon
    }

    public enum Timer: Sendable, Equatable {
        case voicemailEnd
        /// `connect.timeoutSec`: the second leg (or the REFER) took too long.
        case connectTimeout
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
        /// Place the second leg to the plan's target (bridge).
        case connect(ConnectPlan)
        /// Ask the callee's leg to call the plan's target itself (REFER).
        case refer(ConnectPlan)
        /// The second leg answered: relay the audio both ways.
        case bridge
        /// Give up on the second leg (CANCEL or BYE it).
        case hangUpConnect
        /// Nobody took the call: it is abandoned (the abandon prompt and the hang-up follow).
        case abandoned
    }

    enum State: Sendable, Equatable {
        case idle
        case detecting
        case playing(Prompt)
        case waitingForBeep
        /// Nothing more to do; the call stays up until the callee hangs up (or max duration).
        case listening
        /// The second leg rings (bridge) or the REFER runs (refer).
        case connecting
        case bridged
        case done
    }

    public let script: CallScript
    private(set) var state = State.idle
    /// Whether the second leg rings (or the REFER runs): its end now means nobody took the call.
    public var isConnecting: Bool { state == .connecting }
    /// The connect plan in use, from the moment the call is put through.
    public private(set) var connectPlan: ConnectPlan?

    public init(script: CallScript) {
        self.script = script
    }

    public mutating func answered() -> [Action] {
        guard state == .idle else { return [] }
        if script.machineDetection != .disabled {
            state = .detecting
            return [.startDetection]
        }
        return reached(.human, fallback: .listening)
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
            return reached(.human, fallback: .done)
        case .machineDetected:
            var actions: [Action] = []
            switch state {
            case .detecting: break
            case .playing(.human): actions.append(.stopPlaying)  // a beep after "hello": it was a recording
            case .idle, .playing, .waitingForBeep, .listening, .connecting, .bridged, .done: return []
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
            if let plan = script.machineConnect, state == .detecting {
                // A bot that leaves its own voicemail: put through now, no wait for the beep.
                return actions + startConnecting(plan)
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
        case .connectTimeout:
            guard state == .connecting else { return [] }
            return [.hangUpConnect] + abandon()
        }
    }

    public mutating func playbackFinished(_ prompt: Prompt) -> [Action] {
        if prompt == .hold, state == .connecting { return [.play(.hold)] }
        guard state == .playing(prompt) else { return [] }
        state = .done
        return [.stopDetection, .hangUp(prompt == .abandon ? .abandoned : .dialerDisconnected)]
    }

    // MARK: Connecting

    /// The second leg answered.
    public mutating func connectAnswered() -> [Action] {
        guard state == .connecting else { return [.hangUpConnect] }
        state = .bridged
        return [.cancelTimer(.connectTimeout), .stopPlaying, .bridge]
    }

    /// The second leg failed before its answer (busy, declined, error), or the REFER was refused.
    public mutating func connectFailed() -> [Action] {
        guard state == .connecting else { return [] }
        return abandon()
    }

    /// The second leg hung up after the bridge: the call is over.
    public mutating func connectEnded() -> [Action] {
        guard state == .bridged else { return connectFailed() }
        state = .done
        return [.hangUp(.agentDisconnected)]
    }

    /// The REFER's NOTIFY says the target took the call: our leg is done.
    public mutating func transferred() -> [Action] {
        guard state == .connecting else { return [] }
        state = .done
        return [.cancelTimer(.connectTimeout), .stopPlaying, .hangUp(.transferred)]
    }

    /// A person (or, for `onMachine.connect`, a machine) is on the line: connect, or play.
    private mutating func reached(_ prompt: Prompt, fallback: State) -> [Action] {
        if prompt == .human, let plan = script.humanConnect { return startConnecting(plan) }
        return playOrFinish(prompt, fallback: fallback)
    }

    private mutating func startConnecting(_ plan: ConnectPlan) -> [Action] {
        state = .connecting
        connectPlan = plan
        // The second leg (or REFER) last: a failure it reports at once finds the timer and the hold
        // prompt already running, and stops them.
        var actions: [Action] = [.stopDetection, .startTimer(.connectTimeout, after: plan.timeout)]
        if plan.holdPrompt != nil { actions.append(.play(.hold)) }
        actions.append(plan.method == .bridge ? .connect(plan) : .refer(plan))
        return actions
    }

    /// Nobody took the call: the abandon prompt, then hang up (`abandoned`).
    private mutating func abandon() -> [Action] {
        var actions: [Action] = [.cancelTimer(.connectTimeout), .stopPlaying, .abandoned]
        if connectPlan?.abandonPrompt != nil {
            state = .playing(.abandon)
            actions.append(.play(.abandon))
        } else {
            state = .done
            actions.append(.hangUp(.abandoned))
        }
        return actions
    }

    public mutating func digitReceived(_ digit: Character) -> [Action] {
        guard let optOut = script.optOutDigit, digit == optOut else { return [] }
        switch state {
        case .playing(.human), .listening:
            state = .done
            return [.stopPlaying, .stopDetection, .optedOut(digit), .hangUp(.dialerDisconnected)]
        case .idle, .detecting, .playing, .waitingForBeep, .connecting, .bridged, .done:
            return []
        }
    }

    /// The audio of `prompt` (the connect plan's for hold and abandon).
    public func audio(of prompt: Prompt) -> PromptAudio? {
        switch prompt {
        case .human: script.humanPrompt
        case .machine: script.machinePrompt
        case .hold: connectPlan?.holdPrompt
        case .abandon: connectPlan?.abandonPrompt
        }
    }

    private mutating func playOrFinish(_ prompt: Prompt, fallback: State) -> [Action] {
        let samples = audio(of: prompt)
        if samples != nil {
            state = .playing(prompt)
            return [.play(prompt)]
        }
        state = fallback
        return fallback == .done ? [.stopDetection, .hangUp(.dialerDisconnected)] : []
    }
}
