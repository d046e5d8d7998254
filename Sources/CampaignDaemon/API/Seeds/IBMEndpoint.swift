import Foundation
import IO
import Scheduler
import Telephony

/// IBM Voice Gateway's outbound calling (seed 002): `POST /vgw/outboundCalls/{tenantID}/startOutboundCall`
/// with HTTP Basic (a key's name and secret); 200 `{vgwSessionID}`; errors as `{"failureReason": "…"}`
/// with the statuses it documents (400, 403, 404). `tenantID` names a profile (`api.profiles`).
///
/// The document lists no 401: a request without credentials, with wrong ones, with a Bearer key
/// instead of Basic, or with a key that may not make calls gets 403. Only Basic is taken, as
/// documented ("HTTP Basic authentication is used to authorize a REST request").
enum IBMEndpoint {
    /// Request fields and the JSON types each may have.
    static let fieldTypes: [String: [String]] = [
        "to": ["string"], "from": ["string"], "context": ["object"], "tenantConfig": ["object"], "route": ["string", "array"],
        "statusWebhook": ["string"], "statusWebhookUsername": ["string"], "statusWebhookPassword": ["string"],
    ]

    /// The campaign-file setting each request field becomes, to word the loader's problems in the request's names.
    static let fieldForSetting: [String: String] = [
        "target": "to", "caller": "from", "callerHost": "from", "callerDisplayName": "from", "route": "route",
        "notifyUrl": "statusWebhook", "notifyUsername": "statusWebhookUsername", "notifyPassword": "statusWebhookPassword",
    ]

    static func startOutboundCall(tenantID: String, _ incoming: APIExchange, seeds: SeedContext, context: APIContext) {
        var exchange = incoming
        guard let key = basicKey(exchange.request.headers, seeds: seeds) else {
            return fail(exchange, 403, "the request must be authorized with HTTP Basic authentication (a key's name and secret)")
        }
        exchange.keyName = key.name
        guard key.scopes.contains(.calls) else { return fail(exchange, 403, "key \"\(key.name)\" may not make calls (scope calls)") }
        guard let profile = context.profiles[tenantID] else {
            return fail(exchange, 404, "tenant \(tenantID) is not configured for outbound calls")
        }
        let pairs: [(key: String, node: JSONNode)]
        switch SeedEndpoints.object(exchange) {
        case .success(let fields): pairs = fields
        case .failure(let problem): return fail(exchange, 400, problem.message)
        }
        for (name, node) in pairs {
            if let types = fieldTypes[name], !types.contains(SeedEndpoints.typeName(node)) {
                return fail(exchange, 400, "\(name) must be a \(types.joined(separator: " or ")) but is a \(SeedEndpoints.typeName(node))")
            }
        }
        let fields = Dictionary(pairs.map { ($0.key, $0.node) }, uniquingKeysWith: { first, _ in first })
        guard let toText = SeedEndpoints.string(fields["to"]) else {
            return fail(exchange, 400, "to is required: the SIP or Tel URI to call")
        }
        guard let target = uri(toText, schemes: ["sip", "tel"]) else {
            return fail(exchange, 400, "to \(Diagnostic.excerpt(toText)) is not a SIP or Tel URI (sip:user@host or tel:+15551234567)")
        }

        var from: Party?
        if let fromText = SeedEndpoints.string(fields["from"]) {
            switch party(fromText) {
            case .success(let parsed): from = parsed
            case .failure(let problem): return fail(exchange, 400, problem.message)
            }
        }
        let caller: String?
        switch profile.caller(for: from?.user) {
        case .success(let allowed): caller = allowed
        case .failure(.malformed(let text)):
            return fail(exchange, 400, "from's user part \(Diagnostic.excerpt(text)) is not a phone number or SIP user name")
        case .failure(.notAllowed(let text)):
            return fail(exchange, 403, "from \(Diagnostic.excerpt(text)) is not a caller tenant \(tenantID) may use")
        }
        if let refusal = SeedCalls.admit(profile, seeds: seeds) { return fail(exchange, 429, refusal) }

        var call = SeedCall(profile: profile, format: .ibm, target: target, caller: caller)
        if let from, let node = fields["from"] {
            if let host = from.host { call.settings.append(("callerHost", SeedEndpoints.stringNode(host, at: node))) }
            if let name = from.displayName { call.settings.append(("callerDisplayName", SeedEndpoints.stringNode(name, at: node))) }
        }
        for (name, node) in pairs {
            switch name {
            case "to", "from":
                break
            case "route":
                call.settings.append(("route", node))
            case "statusWebhook":
                call.settings.append(("notifyUrl", node))
            case "statusWebhookUsername":
                call.settings.append(("notifyUsername", node))
            case "statusWebhookPassword":
                call.settings.append(("notifyPassword", node))
            case "context":
                // Watson Assistant's state variables: the call's metadata, as a bot put through by
                // `onHuman.connect` gets it (X-Meta-… headers and User-to-User).
                for pair in node.objectPairs ?? [] where !call.metadata.contains(where: { $0.key == pair.key }) {
                    call.metadata.append(pair)
                }
            default:
                // tenantConfig (Voice Gateway's own settings) and fields campaignd cannot act on are
                // kept with the call under their names (README "IBM Voice Gateway").
                call.metadata.removeAll { $0.key == name }
                call.metadata.append((name, node))
            }
        }
        let answering = exchange
        SeedCalls.submit(call, context: context) { outcome in
            let (status, body) = response(outcome)
            if status == 500, case .unavailable(let message) = outcome {
                Log.error("startOutboundCall request failed", [("error", message)])
            }
            answering.json(status, body, headers: status == 429 ? [("Retry-After", "1")] : [])
        }
    }

    /// The status and body for a submitted call's outcome.
    static func response(_ outcome: SeedCallOutcome) -> (Int, String) {
        var json = JSONObjectWriter()
        switch outcome {
        case .accepted(_, let conversationID, _):
            json.string("vgwSessionID", conversationID)
            return (200, json.result)
        case .invalid(let diagnostics):
            let first = diagnostics.first
            let field = first?.path.map { path in
                let setting = String(path.prefix { $0 != "." && $0 != "[" })
                return fieldForSetting[setting].map { $0 + path.dropFirst(setting.count) } ?? path
            }
            json.string("failureReason", (field.map { "\($0): " } ?? "") + SeedEndpoints.sentence(diagnostics))
            return (400, json.result)
        case .tooManyRequests(let message):
            json.string("failureReason", message)
            return (429, json.result)
        case .onDNC(let target):
            json.string("failureReason", "\(target) is on the do-not-call list")
            return (403, json.result)
        case .unavailable:
            json.string("failureReason", "the call could not be started: campaignd could not queue it")
            return (500, json.result)
        }
    }

    /// The key of an `Authorization: Basic NAME:SECRET` header; nil for any other scheme.
    static func basicKey(_ headers: HTTPHeaders, seeds: SeedContext) -> APIKey? {
        guard let value = headers["Authorization"]?.trimmingCharacters(in: .whitespaces), value.lowercased().hasPrefix("basic ") else {
            return nil
        }
        return seeds.auth.authenticator.key(for: headers)
    }

    /// A SIP or Tel URI as the request writes it, `<…>` and a display name allowed; the bare URI,
    /// or nil when it has none of `schemes`.
    static func uri(_ text: String, schemes: [String]) -> String? {
        var bare = text.trimmingCharacters(in: .whitespaces)
        if bare.contains("<"), let address = try? NameAddress(parsing: bare) { bare = address.uri }
        guard let colon = bare.firstIndex(of: ":"), schemes.contains(bare[..<colon].lowercased()),
              bare.index(after: colon) < bare.endIndex else { return nil }
        return bare
    }

    /// The calling party as `from` gives it.
    struct Party: Equatable {
        var user: String
        /// With its port, when it has one; nil for a Tel URI.
        var host: String?
        var displayName: String?
    }

    struct FromProblem: Error {
        var message: String
    }

    /// `from`: `sip:alice@example.com`, `tel:+15551234567` or `"Alice" <sip:alice@example.com>`.
    static func party(_ text: String) -> Result<Party, FromProblem> {
        let refusal = FromProblem(message: "from \(Diagnostic.excerpt(text)) is not a SIP URI with a user part or a Tel URI")
        var displayName: String?
        if text.contains("<") {
            guard let address = try? NameAddress(parsing: text) else { return .failure(refusal) }
            displayName = address.displayName.flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let bare = uri(text, schemes: ["sip", "tel"]) else { return .failure(refusal) }
        if bare.lowercased().hasPrefix("tel:") {
            let number = String(bare.dropFirst(4).prefix { $0 != ";" })
            guard !number.isEmpty else { return .failure(refusal) }
            return .success(Party(user: number, host: nil, displayName: displayName))
        }
        guard let parsed = try? SIPURI(parsing: bare), !parsed.secure, let user = parsed.user, !user.isEmpty else {
            return .failure(refusal)
        }
        let host = SIPURI.hostReference(parsed.host) + (parsed.port.map { ":\($0)" } ?? "")
        return .success(Party(user: user.removingPercentEncoding ?? user, host: host, displayName: displayName))
    }

    static func fail(_ exchange: APIExchange, _ status: Int, _ reason: String) {
        var json = JSONObjectWriter()
        json.string("failureReason", reason)
        exchange.json(status, json.result, headers: status == 429 ? [("Retry-After", "1")] : [])
    }
}
