import Foundation
import IO
import Scheduler

/// AudioCodes VoiceAI Connect's outbound calling (seed 004): `POST /api/v1/actions/dialout` with
/// Basic, Bearer or an OAuth 2.0 access token from `POST /oauth/token`; 200 `{conversationId}`;
/// errors as `{"error": "…"}` (400 in its validator's words, 401, 403, 404 for an unknown bot, 429
/// beyond the bot's `dialoutLimitPerSecond` or `dialoutMaxConcurrentCalls`: refused, not queued).
/// `bot` names a profile (`api.profiles`).
enum AudioCodesEndpoint {
    /// VoiceAI Connect's default ring time (`answerTimeoutSec`), when neither the request nor the profile sets one.
    static let defaultAnswerTimeoutSec = 20

    /// Request fields and the JSON type each must have.
    static let fieldTypes: [String: String] = [
        "bot": "string", "target": "string", "caller": "string", "callerHost": "string", "callerDisplayName": "string",
        "notifyUrl": "string", "metadata": "object", "answerTimeoutSec": "number", "machineDetection": "string",
        "voicemailEndTimeoutSec": "number",
    ]

    static func token(_ exchange: APIExchange, seeds: SeedContext) {
        var form: [String: String] = [:]
        if exchange.mediaType == "application/json", case .success(let pairs) = SeedEndpoints.object(exchange) {
            for (key, node) in pairs { if let text = SeedEndpoints.string(node) { form[key] = text } }
        } else {
            form = exchange.formFields
        }
        switch seeds.auth.issueToken(form: form, headers: exchange.request.headers) {
        case .issued(let token, let expiresIn):
            var json = JSONObjectWriter()
            json.string("access_token", token)
            json.string("token_type", "Bearer")
            json.number("expires_in", expiresIn)
            exchange.json(200, json.result, headers: [("Cache-Control", "no-store")])
        case .refused(let status, let error, let description):
            var json = JSONObjectWriter()
            json.string("error", error)
            json.string("error_description", description)
            exchange.json(status, json.result, headers: status == 401 ? [("WWW-Authenticate", "Basic realm=\"campaignd\"")] : [])
        }
    }

    static func dialout(_ incoming: APIExchange, seeds: SeedContext, context: APIContext) {
        var exchange = incoming
        guard let key = seeds.auth.basicOrBearer(exchange.request.headers) else {
            return fail(exchange, 401, "unauthorized: use Basic with a key's name and secret, or a Bearer key or access token")
        }
        exchange.keyName = key.name
        guard key.scopes.contains(.calls) else { return fail(exchange, 403, "key \"\(key.name)\" may not make calls (scope calls)") }
        let pairs: [(key: String, node: JSONNode)]
        switch SeedEndpoints.object(exchange) {
        case .success(let fields): pairs = fields
        case .failure(let problem): return fail(exchange, 400, problem.message)
        }
        let fields = Dictionary(pairs.map { ($0.key, $0.node) }, uniquingKeysWith: { first, _ in first })
        // As VoiceAI Connect's validator words it: required properties first, then types.
        for required in ["bot", "target"] where fields[required] == nil {
            return fail(exchange, 400, "request should have required property '\(required)'")
        }
        for (name, node) in pairs {
            if let type = fieldTypes[name], SeedEndpoints.typeName(node) != type {
                return fail(exchange, 400, "request.\(name) should be \(type)")
            }
        }
        if let mode = SeedEndpoints.string(fields["machineDetection"]), !["disabled", "disconnect", "detect"].contains(mode) {
            return fail(exchange, 400, "request.machineDetection should be equal to one of the allowed values: disabled, disconnect, detect")
        }
        let botName = SeedEndpoints.string(fields["bot"]) ?? ""
        guard let profile = context.profiles[botName] else { return fail(exchange, 404, "bot '\(botName)' is not found") }
        let caller: String?
        switch profile.caller(for: SeedEndpoints.string(fields["caller"])) {
        case .success(let allowed): caller = allowed
        case .failure(.malformed(let text)): return fail(exchange, 400, "request.caller '\(text)' is not a phone number or SIP user name")
        case .failure(.notAllowed(let text)): return fail(exchange, 400, "caller '\(text)' is not in the bot's dialoutAllowedCallers")
        }
        guard caller != nil else { return fail(exchange, 400, "request should have required property 'caller'") }
        if let refusal = SeedCalls.admit(profile, seeds: seeds) { return fail(exchange, 429, refusal) }

        var call = SeedCall(profile: profile, format: .audiocodes, target: SeedEndpoints.string(fields["target"]) ?? "", caller: caller)
        for (name, node) in pairs {
            switch name {
            case "bot", "target", "caller":
                break
            case "callerHost", "callerDisplayName", "notifyUrl", "answerTimeoutSec", "machineDetection", "voicemailEndTimeoutSec":
                call.settings.append((name, node))
            case "metadata":
                call.metadata += node.objectPairs ?? []
            default:
                // A field campaignd cannot act on is kept with the call (README "AudioCodes").
                call.metadata.append((name, node))
            }
        }
        if fields["answerTimeoutSec"] == nil, profile.node["answerTimeoutSec"] == nil {
            call.settings.append(("answerTimeoutSec", SeedEndpoints.numberNode(defaultAnswerTimeoutSec, at: profile.node)))
        }
        if fields["machineDetection"] == nil, profile.node["machineDetection"] == nil {
            call.settings.append(("machineDetection", SeedEndpoints.stringNode("disabled", at: profile.node)))
        }
        let answering = exchange
        SeedCalls.submit(call, context: context) { outcome in
            switch outcome {
            case .accepted(_, let conversationID, _):
                var json = JSONObjectWriter()
                json.string("conversationId", conversationID)
                answering.json(200, json.result)
            case .invalid(let diagnostics):
                let first = diagnostics.first
                fail(answering, 400, first.map { "request" + ($0.path.map { ".\($0)" } ?? "") + ": " + $0.message } ?? "the request is not valid")
            case .tooManyRequests(let message): fail(answering, 429, message)
            case .onDNC(let target): fail(answering, 403, "target \(target) is on the do-not-call list")
            case .unavailable(let message):
                Log.error("dialout request failed", [("error", message)])
                fail(answering, 500, "the call could not be queued")
            }
        }
    }

    static func fail(_ exchange: APIExchange, _ status: Int, _ message: String) {
        var json = JSONObjectWriter()
        json.string("error", message)
        var headers: [(String, String)] = []
        if status == 401 { headers.append(("WWW-Authenticate", "Basic realm=\"campaignd\", Bearer realm=\"campaignd\"")) }
        if status == 429 { headers.append(("Retry-After", "1")) }
        exchange.json(status, json.result, headers: headers)
    }
}
