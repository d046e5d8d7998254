/// What a call does once answered: answering-machine detection and the prompts to play.
public struct CallScript: Sendable {
    /// `machineDetection`: off, detect and leave a voicemail, or detect and hang up on machines.
    public enum MachineDetection: String, Sendable, Equatable {
        case disabled
        case detect
        case disconnect
    }

    public var machineDetection: MachineDetection
    public var amd: AMDConfiguration
    /// `onHuman.play`, decoded and encoded once; played to a person (and when detection is off).
    public var humanPrompt: PromptAudio?
    /// `onMachine.play`, decoded and encoded once; left as a voicemail after the beep (`detect`).
    public var machinePrompt: PromptAudio?
    /// `onHuman.optOutDigit`: pressing it ends the call and asks for the number to go on the DNC list.
    public var optOutDigit: Character?
    /// `voicemailEndTimeoutSec`: the longest wait for the beep before leaving the voicemail anyway.
    public var voicemailEndTimeout: Duration
    /// `onHuman.connect`: a person (or, with detection off, whoever answers) is put through to it.
    public var humanConnect: ConnectPlan?
    /// `onMachine.connect`: a machine is put through to it (a bot that leaves its own voicemail).
    public var machineConnect: ConnectPlan?

    public init(machineDetection: MachineDetection = .disabled, amd: AMDConfiguration = AMDConfiguration(),
                humanPrompt: PromptAudio? = nil, machinePrompt: PromptAudio? = nil, optOutDigit: Character? = nil,
                voicemailEndTimeout: Duration = .seconds(30), humanConnect: ConnectPlan? = nil, machineConnect: ConnectPlan? = nil) {
        self.humanConnect = humanConnect
        self.machineConnect = machineConnect
        self.machineDetection = machineDetection
        self.amd = amd
        self.humanPrompt = humanPrompt
        self.machinePrompt = machinePrompt
        self.optOutDigit = optOutDigit
        self.voicemailEndTimeout = voicemailEndTimeout
    }

    /// Whether the call needs media at all (else it is left to the callee, as without a script).
    public var needsMedia: Bool { machineDetection != .disabled || humanPrompt != nil || humanConnect != nil }
}
