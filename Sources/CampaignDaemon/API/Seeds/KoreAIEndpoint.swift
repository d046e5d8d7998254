import Foundation
import IO
import Scheduler
import Telephony

/// Kore.ai SmartAssist's outbound calling through its Voice Gateway (seed 003):
/// `POST /api/1.1/public/bot/{botId}/smartassist/dialout` with `auth: JWT` (HS256, signed with a
/// key's secret, `exp` checked); 200 `{sid, callId}` (campaignd's conversation id and the INVITE's
/// Call-ID); errors as Kore.ai's public APIs give them, `{"errors": [{"msg": "…", "code": STATUS}]}`
/// (400, 401, 403, 404 for an unknown bot, 429, 500). The path's `botId` names a profile
/// (`api.profiles`).
enum KoreAIEndpoint {
    /// Request fields and the JSON type each must have.
    static let fieldTypes: [String: String] = [
        "bot": "string", "botId": "string", "target": "string", "caller": "string", "notifyurl": "string", "notifyUrl": "string",
        "notifyHeaders": "object", "timeoutInMs": "number", "trunk": "string", "metadata": "object", "timers": "object",
        "thresholdWordCount": "number", "machineDetection": "string", "machinedetection": "string", "amdEventsSubscription": "array",
        "callControlParameter": "object",
    ]

    /// `timers`' members, each the AMD timer of the same name (`amd.timers`).
    static let timerTunables: [String: AMDTunable] = [
        "noSpeechTimeoutMs": .noSpeechTimeoutMs, "decisionTimeoutMs": .decisionTimeoutMs, "toneTimeoutMs": .toneTimeoutMs,
        "greetingCompletionTimeoutMs": .greetingCompletionTimeoutMs,
    ]

    /// The request's names of the settings campaignd makes of its fields, for a refusal's path
    /// (`answerTimeoutSec` is the request's `timeoutInMs`).
    static let requestNames: [String: String] = ["notifyUrl": "notifyurl", "answerTimeoutSec": "timeoutInMs"]

    static func dialout(botID: String, _ incoming: APIExchange, seeds: SeedContext, context: APIContext) {
        var exchange = incoming
        guard let token = exchange.request.headers["auth"], !token.trimmingCharacters(in: .whitespaces).isEmpty else {
            return fail(exchange, 401, "the auth header is required: a JWT signed (HS256) with the secret of an API key")
        }
        let key: APIKey
        switch seeds.auth.jwt(token) {
        case .success(let found): key = found
        case .failure(let refusal): return fail(exchange, 401, "invalid auth token: \(refusal)")
        }
        exchange.keyName = key.name
        guard key.scopes.contains(.calls) else { return fail(exchange, 403, "the key \"\(key.name)\" may not make calls (scope calls)") }
        let pairs: [(key: String, node: JSONNode)]
        switch SeedEndpoints.object(exchange) {
        case .success(let fields): pairs = fields
        case .failure(let problem): return fail(exchange, 400, problem.message)
        }
        for (name, node) in pairs {
            if let type = fieldTypes[name], SeedEndpoints.typeName(node) != type {
                return fail(exchange, 400, "\(name) must be of type \(type)")
            }
        }
        let fields = Dictionary(pairs.map { ($0.key, $0.node) }, uniquingKeysWith: { first, _ in first })
        for name in ["botId", "bot"] {
            if let named = SeedEndpoints.string(fields[name]), named != botID {
                return fail(exchange, 400, "\(name) \"\(named)\" in the body is not the botId \"\(botID)\" of the path")
            }
        }
        guard let profile = context.profiles[botID] else { return fail(exchange, 404, "bot \"\(botID)\" is not found") }
        guard let requestedTarget = SeedEndpoints.string(fields["target"]), !requestedTarget.isEmpty else {
            return fail(exchange, 400, "target is required: a tel: URI with the country code or a sip: URI")
        }
        // Both spellings are SmartAssist's (`notifyurl` in its table, `machineDetection` in its sample).
        let notifyURLs = spellings(["notifyurl", "notifyUrl"], in: fields)
        if Set(notifyURLs.map(\.text)).count > 1 { return fail(exchange, 400, "notifyurl and notifyUrl name different URLs") }
        let modes = spellings(["machineDetection", "machinedetection"], in: fields)
        if Set(modes.map(\.text)).count > 1 { return fail(exchange, 400, "machineDetection and machinedetection differ") }
        if let mode = modes.first, MachineDetectionMode(rawValue: mode.text) == nil {
            return fail(exchange, 400, "machineDetection must be one of disconnect, detect, disabled")
        }
        let caller: String?
        switch profile.caller(for: SeedEndpoints.string(fields["caller"])) {
        case .success(let allowed): caller = allowed
        case .failure(.malformed(let text)): return fail(exchange, 400, "caller \"\(text)\" is not a phone number or SIP user name")
        case .failure(.notAllowed(let text)): return fail(exchange, 400, "caller \"\(text)\" is not one of the bot's dialoutAllowedCallers")
        }
        guard caller != nil else { return fail(exchange, 400, "caller is required") }
        if let refusal = SeedCalls.admit(profile, seeds: seeds) { return fail(exchange, 429, refusal) }

        var call = SeedCall(profile: profile, format: .koreai, target: dialTarget(requestedTarget), caller: caller, namesCallID: true)
        var amd: [(key: String, node: JSONNode)] = []
        var timers: [(key: String, node: JSONNode)] = []
        for (name, node) in pairs {
            switch name {
            case "bot", "botId", "target", "caller", "notifyurl", "notifyUrl", "machineDetection", "machinedetection":
                break
            case "notifyHeaders", "trunk":
                call.settings.append((name, node))
            case "timeoutInMs":
                // Ring time in whole seconds, rounded up, within what campaignd dials with (1-300 s).
                let ms = SeedEndpoints.number(node) ?? 0
                let seconds = min(300, max(1, Int((ms / 1000).rounded(.up))))
                call.settings.append(("answerTimeoutSec", SeedEndpoints.numberNode(seconds, at: node)))
            case "thresholdWordCount":
                amd.append(("thresholdWordCount", clamped(node, to: AMDTunable.thresholdWordCount.range)))
            case "timers":
                var unknown: [(key: String, node: JSONNode)] = []
                for (timer, value) in node.objectPairs ?? [] {
                    if let tunable = timerTunables[timer], SeedEndpoints.number(value) != nil {
                        timers.append((timer, clamped(value, to: tunable.range)))
                    } else {
                        unknown.append((timer, value))
                    }
                }
                // Members campaignd has no timer for are kept with the call.
                if !unknown.isEmpty { call.metadata.append(("timers", JSONNode(.object(unknown), at: node.location))) }
            case "amdEventsSubscription":
                // Names campaignd has no AMD event for are dropped (the list as sent is kept with the call).
                guard case .array(let items) = node.value else { break }
                let names = items.compactMap(SeedEndpoints.string).filter(CampaignSettings.amdEventNames.contains)
                call.settings.append((name, JSONNode(.array(names.map { SeedEndpoints.stringNode($0, at: node) }), at: node.location)))
                if names.count != items.count { call.metadata.append((name, node)) }
            case "metadata":
                call.metadata += node.objectPairs ?? []
            default:
                // callControlParameter (STT vendor and language) and anything else campaignd cannot act on.
                call.metadata.append((name, node))
            }
        }
        if let (node, mode) = modes.first { call.settings.append(("machineDetection", SeedEndpoints.stringNode(mode, at: node))) }
        if let (node, url) = notifyURLs.first { call.settings.append(("notifyUrl", SeedEndpoints.stringNode(url, at: node))) }
        if !timers.isEmpty { amd.append(("timers", JSONNode(.object(timers), at: profile.node.location))) }
        if !amd.isEmpty { call.settings.append(("amd", JSONNode(.object(amd), at: profile.node.location))) }

        let answering = exchange
        SeedCalls.submit(call, context: context) { outcome in
            switch outcome {
            case .accepted(_, let conversationID, let sipCallID):
                var json = JSONObjectWriter()
                json.string("sid", conversationID)
                json.string("callId", sipCallID)
                answering.json(200, json.result)
            case .invalid(let diagnostics):
                let first = diagnostics.first
                let field = first?.path.map(requestName)
                fail(answering, 400, (field.map { "\($0): " } ?? "") + (first?.message ?? "the request is not valid"))
            case .tooManyRequests(let message): fail(answering, 429, message)
            case .onDNC(let target): fail(answering, 403, "target \(target) is on the do-not-call list")
            case .unavailable(let message):
                Log.error("dialout request failed", [("error", message)])
                fail(answering, 500, "the call could not be queued")
            }
        }
    }

    /// The string values of one field's spellings, with their nodes.
    static func spellings(_ names: [String], in fields: [String: JSONNode]) -> [(node: JSONNode, text: String)] {
        names.compactMap { name in fields[name].flatMap { node in SeedEndpoints.string(node).map { (node, $0) } } }
    }

    /// The target as campaignd dials it: SmartAssist writes `tel:` numbers with their country code
    /// but without the `+` (`tel:911234567890`), which campaignd reads as a global number.
    static func dialTarget(_ target: String) -> String {
        let trimmed = target.trimmingCharacters(in: .whitespaces)
        guard trimmed.lowercased().hasPrefix("tel:") else { return trimmed }
        let number = trimmed.dropFirst(4)
        guard let first = number.first, first.isASCII, first.isNumber else { return trimmed }
        return "tel:+" + number
    }

    /// A number the detector takes (`amd`), rounded to a whole one and brought within its range:
    /// SmartAssist documents no limits, so a value beyond campaignd's is not a reason to refuse the call.
    static func clamped(_ node: JSONNode, to range: ClosedRange<Double>) -> JSONNode {
        let value = min(range.upperBound, max(range.lowerBound, (SeedEndpoints.number(node) ?? range.lowerBound).rounded()))
        return SeedEndpoints.numberNode(Int(value), at: node)
    }

    /// A refused setting's path in the request's names (`amd.timers.toneTimeoutMs` → `timers.toneTimeoutMs`).
    static func requestName(_ path: String) -> String {
        if path.hasPrefix("amd.") { return String(path.dropFirst("amd.".count)) }
        let head = path.prefix { $0 != "." && $0 != "[" }
        guard let renamed = requestNames[String(head)] else { return path }
        return renamed + path.dropFirst(head.count)
    }

    /// `{"errors": [{"msg": "…", "code": STATUS}]}`, as Kore.ai's public APIs answer errors.
    static func fail(_ exchange: APIExchange, _ status: Int, _ message: String) {
        var error = JSONObjectWriter()
        error.string("msg", message)
        error.number("code", status)
        var headers: [(String, String)] = []
        if status == 429 { headers.append(("Retry-After", "1")) }
        exchange.json(status, "{\"errors\":[" + error.result + "]}", headers: headers)
    }
}
