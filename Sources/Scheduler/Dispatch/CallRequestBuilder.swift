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
        settings.machineDetection != .disabled || settings.onHuman?.play != nil || settings.onHuman?.connect != nil
    }

    /// The request for one call to `target` with `settings`.
    /// - Parameters:
    ///   - caller: the contact's own caller ID, else the campaign's.
    ///   - identity: what the agent or bot is told about the call when it is put through
    ///     (`X-Campaign-Id` and the rest); nil: a one-off call (`campaignd call`), campaign `call`,
    ///     a fresh conversation id.
    ///   - prompt: loads the WAV file at a path; nil leaves that prompt out (the dispatcher reports
    ///     the problem and calls anyway), a thrown error fails the build (`campaignd call` stops).
    public func request<Failure: Error>(
        target: DialTarget, settings: CampaignSettings, caller: String? = nil, identity: ConnectHeaders.Identity? = nil,
        prompt: (String) throws(Failure) -> PromptAudio?
    ) throws(Failure) -> CallRequest {
        let identity = identity ?? ConnectHeaders.Identity(campaignID: "call", conversationID: RandomUUID.string(), callee: target.description)
        var request = CallRequest(
            target: target, trunk: trunk(named: settings.trunk), caller: caller ?? settings.caller, callerHost: settings.callerHost,
            callerDisplayName: settings.callerDisplayName, headers: settings.headers.map { ($0.name, $0.value) },
            answerTimeout: .seconds(settings.answerTimeoutSec), maxCallDuration: .seconds(settings.maxCallDurationSec),
            script: try script(for: settings, identity: identity, prompt: prompt))
        request.route = settings.route ?? []
        return request
    }

    /// The answered-call script, or nil when the call needs none (no detection, nothing to play,
    /// nobody to connect to).
    public func script<Failure: Error>(
        for settings: CampaignSettings, identity: ConnectHeaders.Identity, prompt: (String) throws(Failure) -> PromptAudio?
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
            voicemailEndTimeout: .seconds(settings.voicemailEndTimeoutSec),
            humanConnect: try settings.onHuman?.connect.map { connect throws(Failure) in try plan(connect, identity: identity, prompt: prompt) },
            // Machines are told from people only with `detect` (validation holds the campaign to it).
            machineConnect: settings.machineDetection == .detect
                ? try settings.onMachine?.connect.map { connect throws(Failure) in try plan(connect, identity: identity, prompt: prompt) }
                : nil)
        // A prompt that could not be loaded may leave nothing to do.
        return script.needsMedia ? script : nil
    }

    /// How a call is put through to `connect.target`: its trunk by name (nil: the call's own), the
    /// hold and abandon prompts, and the headers the far end receives (`ConnectHeaders`).
    public func plan<Failure: Error>(
        _ connect: ConnectSettings, identity: ConnectHeaders.Identity, prompt: (String) throws(Failure) -> PromptAudio?
    ) throws(Failure) -> ConnectPlan {
        ConnectPlan(
            target: connect.target, trunk: connect.trunk.flatMap { name in trunks.first { $0.name == name } }, method: connect.method,
            timeout: .seconds(connect.timeoutSec),
            headers: ConnectHeaders.fields(custom: connect.headers, identity: identity).map { ($0.name, $0.value) },
            holdPrompt: try connect.holdPlay.map(prompt) ?? nil, abandonPrompt: try connect.abandonPlay.map(prompt) ?? nil)
    }
}
