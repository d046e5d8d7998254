import Foundation
import IO
import Scheduler
import Telephony

/// jambonz's (and so Cognigy Voice Gateway's) outbound calling (seed 000): `POST
/// /v1/Accounts/{account_sid}/Calls` with `Authorization: Bearer <key secret>`; 201 `{sid, callid}`,
/// the Call-ID of the INVITE named before it goes out. Errors are jambonz's: 401 `Unauthorized` as
/// its bearer strategy answers, 400 `{"msg": "…"}` in jambonz's words (`missing from parameter`,
/// `missing or invalid to property: …`, `application_sid not found …`). `application_sid` names a
/// profile (`api.profiles`); any `account_sid` is accepted.
enum JambonzEndpoint {
    /// jambonz's ring time (`timeout`) when neither the request nor the profile sets one.
    static let defaultTimeoutSec = 60

    /// The speech settings jambonz takes instead of an application (with `call_hook`).
    static let speechFields = ["speech_synthesis_vendor", "speech_synthesis_language", "speech_synthesis_voice",
                               "speech_recognizer_vendor", "speech_recognizer_language"]

    /// Request fields and the JSON type jambonz's schema gives each (`Invalid <field>` otherwise).
    static let fieldTypes: [String: String] = [
        "from": "string", "fromHost": "string", "callerName": "string", "amd": "object", "tag": "object", "headers": "object",
        "app_json": "string", "answerOnBridge": "boolean", "srtp": "boolean",
    ].merging(speechFields.map { ($0, "string") }) { first, _ in first }

    /// Campaign settings keys by the request field that set them, for the words of a refusal.
    static let requestNames: [String: String] = [
        "caller": "from", "callerHost": "fromHost", "callerDisplayName": "callerName", "answerTimeoutSec": "timeout",
        "maxCallDurationSec": "timeLimit", "notifyUrl": "call_status_hook", "amdNotifyUrl": "amd.actionHook", "target": "to",
        "trunk": "to.trunk",
    ]

    static func createCall(accountSID: String, _ incoming: APIExchange, seeds: SeedContext, context: APIContext) {
        var exchange = incoming
        guard let key = seeds.auth.basicOrBearer(exchange.request.headers) else { return unauthorized(exchange) }
        exchange.keyName = key.name
        guard key.scopes.contains(.calls) else { return fail(exchange, 403, "key \(key.name) may not create calls (scope calls)") }
        let pairs: [(key: String, node: JSONNode)]
        switch SeedEndpoints.object(exchange) {
        case .success(let fields): pairs = fields
        case .failure(let problem): return fail(exchange, 400, problem.message)
        }
        let fields = Dictionary(pairs.map { ($0.key, $0.node) }, uniquingKeysWith: { first, _ in first })

        // In the order jambonz's API server checks them (validateCreateCall), in its words.
        guard let fromNode = fields["from"], isTruthy(fromNode) else { return fail(exchange, 400, "missing from parameter") }
        guard let to = Destination(fields["to"]) else {
            return fail(exchange, 400, "missing or invalid to property: " + (fields["to"]?.serialized ?? "undefined"))
        }
        let profile: APIProfile
        if let sidNode = fields["application_sid"] {
            let sid = SeedEndpoints.string(sidNode) ?? sidNode.serialized
            guard let named = context.profiles[sid] else { return fail(exchange, 400, "application_sid not found \(sid)") }
            profile = named
        } else {
            // jambonz then takes the speech settings and `call_hook` from the request; campaignd takes
            // the call's settings from the profile named after the account.
            if speechFields.contains(where: { fields[$0].map(isTruthy) != true }) {
                return fail(exchange, 400, "either application_sid or set of speech_synthesis_vendor, speech_synthesis_language, "
                    + "speech_synthesis_voice, speech_recognizer_vendor, speech_recognizer_language required")
            }
            guard fields["call_hook"] != nil else { return fail(exchange, 400, "either call_hook or application_sid required") }
            guard let named = context.profiles[accountSID] else {
                return fail(exchange, 400, "application_sid not found undefined (and no profile is named after account \(accountSID))")
            }
            profile = named
        }
        var statusHook: Hook?
        for name in ["call_hook", "call_status_hook"] {
            guard let node = fields[name] else { continue }
            guard let hook = Hook(node) else { return fail(exchange, 400, "\(name) must be string or an object containing a url property") }
            guard hook.url.hasPrefix("http:") || hook.url.hasPrefix("https:") || hook.url.hasPrefix("ws:") || hook.url.hasPrefix("wss:") else {
                return fail(exchange, 400, "\(name) url be an absolute url")
            }
            if name == "call_status_hook" { statusHook = hook }
        }
        if let hook = statusHook, !(hook.url.hasPrefix("http:") || hook.url.hasPrefix("https:")) {
            return fail(exchange, 400, "call_status_hook: campaignd sends call status webhooks over http:// or https:// only")
        }
        // jambonz's feature server schema (`Invalid <field>`).
        for (name, node) in pairs {
            if let type = fieldTypes[name], SeedEndpoints.typeName(node) != type { return fail(exchange, 400, "Invalid \(name)") }
        }
        for name in ["timeout", "timeLimit"] where fields[name] != nil && integer(fields[name]) == nil {
            return fail(exchange, 400, "Invalid \(name)")
        }
        let amd = fields["amd"].flatMap(AMDRequest.init)

        let caller: String?
        switch profile.caller(for: SeedEndpoints.string(fromNode)) {
        case .success(let allowed): caller = allowed
        case .failure(.malformed(let text)): return fail(exchange, 400, "Invalid from: \(text) is not a phone number or SIP user name")
        case .failure(.notAllowed(let text)): return fail(exchange, 400, "from \(text) is not among the callers this application may use")
        }
        let fromHost = SeedEndpoints.string(fields["fromHost"])
        let target: String
        switch to.kind {
        case .phone, .teams, .sip: target = to.address
        case .user:
            let name = to.address.hasPrefix("sip:") ? String(to.address.dropFirst(4)) : to.address
            if name.contains("@") {
                target = "sip:" + name
            } else if let host = fromHost ?? profile.settings.callerHost {
                target = "sip:\(name)@\(host)"
            } else {
                return fail(exchange, 400, "to.name \(name) has no domain: give user@domain, or fromHost")
            }
        }
        if let refusal = SeedCalls.admit(profile, seeds: seeds) { return fail(exchange, 429, refusal, headers: [("Retry-After", "1")]) }

        var call = SeedCall(profile: profile, format: .jambonz, target: target, caller: caller)
        call.namesCallID = true
        let at = profile.node
        // jambonz resolves a relative hook (`/amdEvents`) against the application's call_hook: here the
        // request's call_hook, else the call status hook.
        let hookBase = [fields["call_hook"].flatMap(Hook.init)?.url, statusHook?.url, profile.settings.notifyUrl]
            .compactMap { $0 }.first { $0.hasPrefix("http:") || $0.hasPrefix("https:") }
        // Kept with the call for its notifications (README "jambonz"): which application and account, the
        // destination as the request named it, and the tag (`customerData`).
        if let sid = fields["application_sid"] { call.metadata.append(("application_sid", sid)) }
        call.metadata.append(("account_sid", SeedEndpoints.stringNode(accountSID, at: at)))
        for (name, node) in pairs {
            switch name {
            case "from", "application_sid", "call_status_hook", "account_sid":
                // jambonz, too, takes the account from the path, whatever the body says.
                break
            case "to":
                call.metadata.append((name, withoutCredentials(node)))
                if let trunk = to.trunk, context.loader.context.trunkNames.contains(trunk) {
                    call.settings.append(("trunk", SeedEndpoints.stringNode(trunk, at: node)))
                }
            case "fromHost": call.settings.append(("callerHost", node))
            case "callerName": call.settings.append(("callerDisplayName", node))
            case "headers": call.settings.append(("headers", node))
            case "timeout":
                call.settings.append(("answerTimeoutSec", SeedEndpoints.numberNode(clamp(integer(node) ?? defaultTimeoutSec, 1...300), at: node)))
            case "timeLimit":
                call.settings.append(("maxCallDurationSec", SeedEndpoints.numberNode(clamp(integer(node) ?? 3600, 1...86_400), at: node)))
            case "amd":
                guard let amd else { break }
                // Without an actionHook jambonz detects all the same and tells no one.
                if let hook = amd.actionHook.flatMap({ absolute($0, base: hookBase) }) {
                    call.settings.append(("amdNotifyUrl", SeedEndpoints.stringNode(hook, at: node)))
                }
                if profile.settings.machineDetection == .disabled {
                    call.settings.append(("machineDetection", SeedEndpoints.stringNode("detect", at: node)))
                }
                if !amd.settings.isEmpty { call.settings.append(("amd", JSONNode(.object(amd.settings), at: node.location))) }
                if !amd.rest.isEmpty { call.metadata.append(("amd", JSONNode(.object(amd.rest), at: node.location))) }
            default:
                // `tag`, speech settings, `call_hook`, `app_json`, …: kept with the call (README "jambonz").
                call.metadata.append((name, name == "call_hook" ? withoutCredentials(node) : node))
            }
        }
        if let hook = statusHook {
            // The request's hook replaces the application's, credentials and all: the profile's are
            // not sent to a URL the request chose.
            if let pairs = at.objectPairs {
                call.profile.node = JSONNode(.object(pairs.filter { !["notifyUsername", "notifyPassword", "notifyHeaders"].contains($0.key) }),
                                             at: at.location)
            }
            call.settings.append(("notifyUrl", SeedEndpoints.stringNode(hook.url, at: at)))
            // jambonz sends Basic credentials only when it has both.
            if let user = hook.username, let password = hook.password, !user.isEmpty, !password.isEmpty {
                call.settings.append(("notifyUsername", SeedEndpoints.stringNode(user, at: at)))
                call.settings.append(("notifyPassword", SeedEndpoints.stringNode(password, at: at)))
            }
        }
        if fields["timeout"] == nil, profile.node["answerTimeoutSec"] == nil {
            call.settings.append(("answerTimeoutSec", SeedEndpoints.numberNode(defaultTimeoutSec, at: at)))
        }

        let answering = exchange
        SeedCalls.submit(call, context: context) { outcome in
            switch outcome {
            case .accepted(_, let conversationID, let sipCallID):
                var json = JSONObjectWriter()
                json.string("sid", conversationID)
                json.string("callid", sipCallID)
                answering.json(201, json.result)
            case .invalid(let diagnostics):
                fail(answering, 400, diagnostics.first.map(sentence) ?? "the request is not valid")
            case .tooManyRequests(let message): fail(answering, 429, message, headers: [("Retry-After", "1")])
            case .onDNC(let target): fail(answering, 422, "\(target) is on the do-not-call list")
            case .unavailable(let message):
                Log.error("createCall request failed", [("error", message)])
                fail(answering, 500, "the call could not be queued")
            }
        }
    }

    /// A refused call's first problem, named by the request's field.
    static func sentence(_ diagnostic: Diagnostic) -> String {
        guard let path = diagnostic.path, !path.isEmpty else { return diagnostic.message }
        let head = path.split(separator: ".", maxSplits: 1).first.map(String.init) ?? path
        let named = requestNames[head].map { $0 + path.dropFirst(head.count) } ?? path
        return "\(named): \(diagnostic.message)"
    }

    /// What passport's bearer strategy answers (jambonz's API server): `Unauthorized` in plain text.
    static func unauthorized(_ exchange: APIExchange) {
        let presented = exchange.request.headers["Authorization"]?.lowercased().hasPrefix("bearer ") == true
        var response = HTTPResponse(status: 401, contentType: "text/plain; charset=utf-8", text: "Unauthorized")
        response.headers.add("WWW-Authenticate", presented ? #"Bearer realm="Users", error="invalid_token""# : #"Bearer realm="Users""#)
        exchange.respond(response)
    }

    static func fail(_ exchange: APIExchange, _ status: Int, _ message: String, headers: [(String, String)] = []) {
        var json = JSONObjectWriter()
        json.string("msg", message)
        exchange.json(status, json.result, headers: headers)
    }

    /// `url` if it is absolute, else resolved against the scheme and authority of `base` (nil: none).
    static func absolute(_ url: String, base: String?) -> String? {
        if url.contains("://") { return url }
        guard url.hasPrefix("/"), let base, let schemeEnd = base.range(of: "://") else { return nil }
        let origin = base[..<(base[schemeEnd.upperBound...].firstIndex { "/?#".contains($0) } ?? base.endIndex)]
        return origin + url
    }

    /// `node` without the credentials jambonz objects may carry (a hook's `username` and `password`,
    /// `to.auth`): what is kept with the call ends up in its CDR.
    static func withoutCredentials(_ node: JSONNode) -> JSONNode {
        guard let pairs = node.objectPairs else { return node }
        return JSONNode(.object(pairs.filter { !["username", "password", "auth"].contains($0.key) }), at: node.location)
    }

    /// JavaScript's truthiness, as `if (!obj.from)` reads the request.
    static func isTruthy(_ node: JSONNode) -> Bool {
        switch node.value {
        case .null: false
        case .bool(let flag): flag
        case .number(let value, _): value != 0 && !value.isNaN
        case .string(let text): !text.isEmpty
        case .array, .object: true
        }
    }

    /// An integer as express-validator's `isInt` takes it: a whole number, or a string of one.
    static func integer(_ node: JSONNode?) -> Int? {
        switch node?.value {
        case .number(let value, _)?: value.rounded() == value && abs(value) < 1e9 ? Int(value) : nil
        case .string(let text)?: Int(text.trimmingCharacters(in: .whitespaces))
        default: nil
        }
    }

    static func clamp(_ value: Int, _ range: ClosedRange<Int>) -> Int {
        min(max(value, range.lowerBound), range.upperBound)
    }

    /// `to`: `{type: phone|teams, number}`, `{type: user, name}` or `{type: sip, sipUri}`, as jambonz's
    /// `validateTo` accepts it.
    struct Destination {
        enum Kind: String { case phone, teams, user, sip }
        var kind: Kind
        var address: String
        var trunk: String?

        init?(_ node: JSONNode?) {
            guard let node, case .object = node.value, let type = SeedEndpoints.string(node["type"]), let kind = Kind(rawValue: type) else { return nil }
            let key = switch kind {
            case .phone, .teams: "number"
            case .user: "name"
            case .sip: "sipUri"
            }
            guard let address = SeedEndpoints.string(node[key]) else { return nil }
            self.kind = kind
            self.address = address
            trunk = SeedEndpoints.string(node["trunk"])
        }
    }

    /// A jambonz webhook: a URL, or `{url, method, username, password}` (campaignd always POSTs).
    struct Hook {
        var url: String
        var username: String?
        var password: String?

        init?(_ node: JSONNode) {
            if let url = SeedEndpoints.string(node) {
                self.url = url
                return
            }
            guard case .object = node.value, let url = SeedEndpoints.string(node["url"]) else { return nil }
            self.url = url
            username = SeedEndpoints.string(node["username"])
            password = SeedEndpoints.string(node["password"])
        }
    }

    /// `amd`: its `actionHook` (a URL or `{url}`), the campaign `amd` settings it sets (`thresholdWordCount`, `timers`,
    /// each held to the detector's range), and the rest (`recognizer`, `digitCount`, …) for metadata.
    struct AMDRequest {
        var actionHook: String?
        var settings: [(key: String, node: JSONNode)] = []
        var rest: [(key: String, node: JSONNode)] = []

        init?(_ node: JSONNode) {
            guard let pairs = node.objectPairs else { return nil }
            actionHook = node["actionHook"].flatMap(Hook.init)?.url
            var timers: [(key: String, node: JSONNode)] = [], otherTimers: [(key: String, node: JSONNode)] = []
            for (key, value) in pairs {
                switch key {
                case "actionHook":
                    break
                case "thresholdWordCount":
                    guard let count = JambonzEndpoint.integer(value) else { rest.append((key, value)); continue }
                    settings.append((key, Self.number(count, .thresholdWordCount, at: value)))
                case "timers":
                    for (name, timer) in value.objectPairs ?? [] {
                        if let tunable = AMDTunable(rawValue: name), AMDTunable.timers.contains(tunable), let ms = JambonzEndpoint.integer(timer) {
                            timers.append((name, Self.number(ms, tunable, at: timer)))
                        } else {
                            otherTimers.append((name, timer))
                        }
                    }
                default:
                    rest.append((key, value))
                }
            }
            if !timers.isEmpty { settings.append(("timers", JSONNode(.object(timers), at: node.location))) }
            if !otherTimers.isEmpty { rest.append(("timers", JSONNode(.object(otherTimers), at: node.location))) }
        }

        /// `value` held to what the detector takes for `tunable`.
        static func number(_ value: Int, _ tunable: AMDTunable, at node: JSONNode) -> JSONNode {
            let range = Int(tunable.range.lowerBound)...Int(tunable.range.upperBound)
            return SeedEndpoints.numberNode(JambonzEndpoint.clamp(value, range), at: node)
        }
    }
}
