import Telephony

/// Turns a contact and its campaign's settings into the `CallRequest` the dialer places: the
/// trunk rule, the SIP headers and timers, and the answered-call script (AMD, prompts, opt-out).
/// Used by the dispatcher for every queued call and by `campaignd call` for one call, so both
/// place the same calls.
public struct CallRequestBuilder: Sendable {
    public let trunks: [SIPTrunk]

    public init(trunks: [SIPTrunk]) {
        self.trunks = trunks
    }

    /// The trunk rule: the trunk a campaign (or `call --trunk`) names, else the only one configured;
    /// nil when none is named and there are several or none (then calls go to the target's own host).
    public static func trunk(named name: String?, among trunks: [SIPTrunk]) -> SIPTrunk? {
        if let name { return trunks.first { $0.name == name } }
        return trunks.count == 1 ? trunks.first : nil
    }

    public func trunk(named name: String?) -> SIPTrunk? { Self.trunk(named: name, among: trunks) }

    /// Whether calls with these settings run a script once answered, and so need an RTP port.
    public static func needsMedia(_ settings: CampaignSettings) -> Bool {
        settings.machineDetection != .disabled || settings.onHuman?.play != nil
    }

    /// The request for one call to `target` with `settings`.
    /// - Parameters:
    ///   - caller: the contact's own caller ID, else the campaign's.
    ///   - prompt: loads the WAV file at a path; nil leaves that prompt out (the dispatcher reports
    ///     the problem and calls anyway), a thrown error fails the build (`campaignd call` stops).
    public func request<Failure: Error>(
        target: DialTarget, settings: CampaignSettings, caller: String? = nil,
        prompt: (String) throws(Failure) -> PromptAudio?
    ) throws(Failure) -> CallRequest {
        CallRequest(
            target: target, trunk: trunk(named: settings.trunk), caller: caller ?? settings.caller, callerHost: settings.callerHost,
            callerDisplayName: settings.callerDisplayName, headers: settings.headers.map { ($0.name, $0.value) },
            answerTimeout: .seconds(settings.answerTimeoutSec), maxCallDuration: .seconds(settings.maxCallDurationSec),
            script: try script(for: settings, prompt: prompt))
    }

    /// The answered-call script, or nil when the call needs none (no detection, nothing to play).
    public func script<Failure: Error>(
        for settings: CampaignSettings, prompt: (String) throws(Failure) -> PromptAudio?
    ) throws(Failure) -> CallScript? {
        guard Self.needsMedia(settings) else { return nil }
        let detection: CallScript.MachineDetection = switch settings.machineDetection {
        case .disabled: .disabled
        case .detect: .detect
        case .disconnect: .disconnect
        }
        let script = CallScript(
            machineDetection: detection, amd: settings.amd.configuration,
            humanPrompt: try settings.onHuman?.play.map(prompt) ?? nil,
            machinePrompt: try settings.onMachine?.play.map(prompt) ?? nil,
            optOutDigit: settings.onHuman?.optOutDigit?.first,
            voicemailEndTimeout: .seconds(settings.voicemailEndTimeoutSec))
        // A prompt that could not be loaded may leave nothing to do.
        return script.needsMedia ? script : nil
    }
}
