import Foundation
import IO
import Scheduler
import Telephony

/// `call TARGET`: places one call and prints its events as they happen.
enum CallCommand {
    /// `--connect URI` (with `--connect-method`, `--connect-timeout`, `--hold`, `--abandon`): the
    /// person (or, without `--amd`, whoever answers) is put through to URI, as `onHuman.connect`.
    private static func connectSettings(_ arguments: CommandArguments,
                                        timeout seconds: (String, Int?, ClosedRange<Int>) throws(CLIError) -> Int?) throws(CLIError) -> ConnectSettings? {
        guard let uri = arguments.values["--connect"] else {
            for option in ["--connect-method", "--connect-timeout", "--hold", "--abandon"] where arguments.values[option] != nil {
                throw .usage("\(option) needs --connect", command: "call")
            }
            return nil
        }
        var connect: ConnectSettings
        switch TargetNormalizer(defaultCountryCode: nil).normalize(uri) {
        case .success(let normalized): connect = ConnectSettings(target: normalized.description)
        case .failure(let error): throw .usage("--connect: \(error.description)", command: "call")
        }
        let methodText = arguments.values["--connect-method"] ?? "bridge"
        guard let method = ConnectSettings.Method(rawValue: methodText) else {
            throw .usage("--connect-method is bridge or refer, not \"\(methodText)\"", command: "call")
        }
        connect.method = method
        connect.timeoutSec = try seconds("--connect-timeout", 20, 1...300) ?? 20
        connect.holdPlay = arguments.values["--hold"]
        connect.abandonPlay = arguments.values["--abandon"]
        return connect
    }

    static func run(_ context: CommandContext) async throws(CLIError) {
        let arguments = try CommandArguments(
            context.invocation.arguments, command: "call", flags: ["--json"],
            valued: ["--caller", "--trunk", "--answer-timeout", "--hangup-after", "--max-duration", "--sip-port", "--amd", "--play",
                     "--voicemail", "--connect", "--connect-method", "--connect-timeout", "--hold", "--abandon"])
        guard arguments.positionals.count == 1, let rawTarget = arguments.positionals.first else {
            throw .usage("call needs exactly one TARGET (a number or SIP URI)", command: "call")
        }
        let configuration = try context.configuration()
        let json = arguments.flags.contains("--json")
        func seconds(_ option: String, default value: Int?, range: ClosedRange<Int>) throws(CLIError) -> Int? {
            guard let text = arguments.values[option] else { return value }
            guard let number = Int(text), range.contains(number) else {
                throw .usage("\(option) takes whole seconds from \(range.lowerBound) to \(range.upperBound), not \"\(text)\"", command: "call")
            }
            return number
        }
        let defaults = configuration.defaultSettings
        let answerTimeout = try seconds("--answer-timeout", default: defaults.answerTimeoutSec, range: 1...300) ?? 30
        let maxDuration = try seconds("--max-duration", default: defaults.maxCallDurationSec, range: 1...86_400) ?? 3600
        let hangupAfter = try seconds("--hangup-after", default: nil, range: 0...86_400)
        let sipPort = try seconds("--sip-port", default: 0, range: 0...65535) ?? 0

        let target: DialTarget
        switch TargetNormalizer(defaultCountryCode: defaults.defaultCountryCode).normalize(rawTarget) {
        case .success(let normalized): target = normalized
        case .failure(let error):
            Console.error(error.description)
            throw .invalidInput
        }
        // The call is built from the configured defaults with the options on top, by the same
        // builder the dispatcher uses for queued calls.
        var settings = defaults
        settings.answerTimeoutSec = answerTimeout
        settings.maxCallDurationSec = maxDuration
        settings.machineDetection = .disabled
        settings.onHuman = nil
        settings.onMachine = nil
        settings.trunk = arguments.values["--trunk"] ?? defaults.trunk
        if let trunkName = settings.trunk, !configuration.sipTrunks.contains(where: { $0.name == trunkName }) {
            throw .usage("no trunk \"\(trunkName)\" in the configuration"
                + DidYouMean.hint(for: trunkName, among: configuration.trunks.map(\.name)), command: "call")
        }
        if let given = arguments.values["--caller"] {
            switch CampaignSettings.normalizeCaller(given) {
            case .success(let normalized): settings.caller = normalized
            case .failure(let error): throw .usage(error.description, command: "call")
            }
        }
        if let mode = arguments.values["--amd"] {
            guard let detection = MachineDetectionMode(rawValue: mode) else {
                throw .usage("--amd is disabled, detect or disconnect, not \"\(mode)\"", command: "call")
            }
            settings.machineDetection = detection
        }
        if let path = arguments.values["--play"] { settings.onHuman = PromptSettings(play: path) }
        if let connect = try connectSettings(arguments, timeout: seconds) {
            settings.onHuman = settings.onHuman ?? PromptSettings()
            settings.onHuman?.connect = connect
        }
        if let path = arguments.values["--voicemail"] { settings.onMachine = PromptSettings(play: path) }
        let builder = CallRequestBuilder(trunks: configuration.sipTrunks)
        let request = try builder.request(target: target, settings: settings) { path throws(CLIError) in
            do {
                return PromptAudio(samples: try WAVAudio(contentsOfFile: path).samples)
            } catch {
                let option = switch path {
                case settings.onHuman?.play: "--play"
                case settings.onHuman?.connect?.holdPlay: "--hold"
                case settings.onHuman?.connect?.abandonPlay: "--abandon"
                default: "--voicemail"
                }
                throw .usage("\(option): \(error)", command: "call")
            }
        }
        let trunk = request.trunk

        let towards = trunk?.host ?? (SIPDestination(uri: target.description)?.host ?? "127.0.0.1")
        let printer = EventPrinter(json: json, target: target.description, via: trunk.map { $0.destination.description } ?? towards)
        let loops: EventLoopGroup
        let dialer: SIPDialer
        do {
            loops = try configuration.makeEventLoops()
            var dialerConfiguration = configuration.dialerConfiguration(toward: towards)
            dialerConfiguration.registrationObserver = { trunk, status in printer.registration(trunk: trunk, status) }
            dialer = try SIPDialer(host: configuration.sip.bindAddress, port: sipPort, group: loops, configuration: dialerConfiguration)
        } catch {
            throw .failure("cannot open the SIP socket: \(error)")
        }
        defer { loops.shutdown() }
        // A registering trunk takes calls once registered (RFC 3261 §10): wait for it, at most a Timer F.
        let registrationWait = Duration.milliseconds(configuration.sip.t1Ms) * 64

        let result: CallResult? = await withTaskGroup(of: CallResult?.self) { group in
            group.addTask {
                await dialer.run()
                return nil
            }
            group.addTask {
                var last: CallResult?
                if let trunk, trunk.register {
                    let clock = ContinuousClock()
                    let deadline = clock.now + registrationWait
                    while !dialer.isTrunkReady(trunk.name), clock.now < deadline {
                        try? await clock.sleep(for: .milliseconds(10))
                    }
                    guard dialer.isTrunkReady(trunk.name) else {
                        printer.note("not-registered")
                        dialer.close()
                        return nil
                    }
                }
                for await event in await dialer.placeCall(request) {
                    printer.print(event)
                    switch event {
                    case .answered:
                        if let hangupAfter {
                            // A child of this task group: cancelled with the group when the call ends.
                            Task {
                                try? await Task.sleep(for: .seconds(hangupAfter))
                                printer.note("hangup")
                                await dialer.hangUp(sipCallID: printer.callID)
                            }
                        }
                    case .ended(let ended):
                        last = ended
                    default:
                        break
                    }
                }
                dialer.close()
                return last
            }
            var final: CallResult?
            for await value in group {
                if let value { final = value }
            }
            return final
        }
        guard let result, result.outcome.status == .completed else { throw .callNotAnswered }
    }
}

/// Prints call events as lines a person can follow, or as JSON objects, one per line.
final class EventPrinter: Sendable {
    let json: Bool
    let target: String
    let via: String
    private let state = CallIDBox()

    // @unchecked Sendable: `lock` guards `value`.
    private final class CallIDBox: @unchecked Sendable {
        let lock = NSLock()
        var value = ""
    }

    init(json: Bool, target: String, via: String) {
        self.json = json
        self.target = target
        self.via = via
    }

    var callID: String { state.lock.withLock { state.value } }

    func note(_ name: String) {
        emit(name, [])
    }

    /// A registering trunk's new status (never its credentials).
    func registration(trunk: String, _ status: RegistrationStateMachine.Status) {
        switch status {
        case .registered(let expires): emit("registered", [("trunk", trunk), ("expires", String(expires))])
        case .unregistered: emit("unregistered", [("trunk", trunk)])
        case .failed(let code, let reason, let retryIn):
            emit("registration-failed", [("trunk", trunk), ("sip_code", code == 0 ? "" : String(code)), ("reason", reason),
                                         ("retry_in_sec", String(retryIn.components.seconds))])
        }
    }

    func print(_ event: CallEvent) {
        switch event {
        case .inviteSent(let callID):
            state.lock.withLock { state.value = callID }
            emit("invite-sent", [("call_id", callID), ("target", target), ("via", via)])
        case .trying: emit("trying", [])
        case .ringing: emit("ringing", [])
        case .earlyMedia: emit("early-media", [])
        case .answered: emit("answered", [])
        case .amd(let event):
            var fields = [("after_answer_ms", String(event.timeMs))]
            if let hz = event.frequencyHz { fields.append(("frequency_hz", String(hz))) }
            if let detail = event.detail { fields.append(("detail", detail)) }
            emit(event.kind.rawValue, fields)
        case .promptStarted(let prompt): emit("prompt-started", [("prompt", prompt.rawValue)])
        case .digit(let digit): emit("digit", [("digit", String(digit))])
        case .optedOut(let digit): emit("opted-out", [("digit", String(digit))])
        case .connecting(let target), .connected(let target), .transferred(let target):
            emit(event.webhookName, [("connect_target", target)])
        case .abandoned(let target, let code):
            emit("abandoned", [("connect_target", target), ("connect_sip_code", code.map(String.init) ?? "")])
        case .ended(let result):
            let outcome = result.outcome
            var fields: [(String, String)] = [
                ("status", outcome.status.rawValue), ("reason_code", outcome.reasonCode.rawValue),
                ("sip_code", outcome.sipCode.map(String.init) ?? ""), ("reason", outcome.reason ?? ""),
            ]
            if let retryAfter = outcome.retryAfter { fields.append(("retry_after", String(retryAfter))) }
            if let redirectedTo = result.redirectedTo { fields.append(("redirected_to", redirectedTo)) }
            if let trunkTarget = result.trunkTarget { fields.append(("trunk_target", trunkTarget)) }
            if let connect = result.connect {
                fields.append(("connect_target", connect.target))
                if let code = connect.sipCode { fields.append(("connect_sip_code", String(code))) }
                if let ms = connect.answerMs { fields.append(("connect_answer_ms", String(ms))) }
                if let seconds = connect.connectedSec { fields.append(("connected_sec", String(format: "%.3f", seconds))) }
                fields.append(("abandoned", String(connect.abandoned)))
            }
            if let ring = result.ringTime { fields.append(("ring_ms", String(ring - result.startTime))) }
            if let connect = result.connectTime {
                fields.append(("answer_ms", String(connect - result.startTime)))
                fields.append(("connect_duration_ms", String(result.disconnectTime - connect)))
            }
            emit("ended", fields)
        }
    }

    private func emit(_ name: String, _ fields: [(String, String)]) {
        let now = Timestamp.nowMs()
        if json {
            var line = "{\"event\":\"\(name)\",\"time\":\"\(Timestamp.iso8601(now))\""
            for (key, value) in fields {
                line += ",\"\(key)\":"
                JSONNode.appendQuoted(value, to: &line)
            }
            Console.out(line + "}")
        } else {
            let time = Timestamp.iso8601(now).dropFirst(11).dropLast()
            let rendered = fields.filter { !$0.1.isEmpty }.map { key, value in
                value.contains(" ") ? "\(key)=\"\(value)\"" : "\(key)=\(value)"
            }
            Console.out(([String(time), name] + rendered).joined(separator: " "))
        }
    }
}
