import Foundation
import IO
import Scheduler

/// Vonage AI Studio's outbound call (seed 001): `POST /telephony/make-call` with `X-Vgai-Key` (a
/// key's secret); 200 `{session_id, session_start_time}`; errors as `{"status": N, "message": "…"}`
/// in its words (401 "Not Authorised", 404 "Version information for number … doesn't exist", 400
/// "Bad destination number format", 500 "Failed to fetch preconfigured session information").
/// `agent_id` names a profile (`api.profiles`).
enum VonageEndpoint {
    static let notAuthorised = "Not Authorised"
    static let badNumber = "Bad destination number format"
    static let cannotQueue = "Failed to fetch preconfigured session information"

    /// The campaign-file setting each request field becomes, to word the loader's problems in the request's names.
    static let fieldForSetting = ["notifyUrl": "status_url", "machineDetection": "hangup_on_answer_machine"]

    static func makeCall(_ incoming: APIExchange, seeds: SeedContext, context: APIContext) {
        var exchange = incoming
        guard let key = seeds.auth.vgaiKey(exchange.request.headers) else { return fail(exchange, 401, notAuthorised) }
        exchange.keyName = key.name
        guard key.scopes.contains(.calls) else { return fail(exchange, 401, notAuthorised) }
        let pairs: [(key: String, node: JSONNode)]
        switch SeedEndpoints.object(exchange) {
        case .success(let fields): pairs = fields
        case .failure(let problem): return fail(exchange, 400, problem.message)
        }
        let fields = Dictionary(pairs.map { ($0.key, $0.node) }, uniquingKeysWith: { first, _ in first })
        guard let agentID = SeedEndpoints.string(fields["agent_id"]), !agentID.isEmpty else {
            return fail(exchange, 400, "agent_id is required: the ID of the virtual agent")
        }
        guard let profile = context.profiles[agentID] else {
            return fail(exchange, 404, "Version information for number \(agentID) doesn't exist")
        }
        guard let to = SeedEndpoints.string(fields["to"]), let target = target(to) else { return fail(exchange, 400, badNumber) }
        if let node = fields["status_url"], SeedEndpoints.string(node) == nil {
            return fail(exchange, 400, "status_url must be a string")
        }
        var hangUpOnMachine: Bool?
        if let node = fields["hangup_on_answer_machine"] {
            guard case .bool(let value) = node.value else { return fail(exchange, 400, "hangup_on_answer_machine must be true or false") }
            hangUpOnMachine = value
        }
        var parameters: [(key: String, node: JSONNode)] = []
        if let node = fields["session_parameters"] {
            guard let found = sessionParameters(node) else {
                return fail(exchange, 400, #"session_parameters must be an array of {"name": "…", "value": …}"#)
            }
            parameters = found
        }
        if let refusal = SeedCalls.admit(profile, seeds: seeds) { return fail(exchange, 429, refusal) }

        // The call comes from the agent's number: the profile's caller.
        var call = SeedCall(profile: profile, format: .vonage, target: target, caller: nil)
        call.metadata = parameters
        for (name, node) in pairs {
            switch name {
            case "agent_id", "to", "hangup_on_answer_machine", "session_parameters":
                break
            case "status_url":
                call.settings.append(("notifyUrl", node))
            default:
                // Fields campaignd cannot act on are kept with the call (README "Vonage AI Studio").
                call.metadata.removeAll { $0.key == name }
                call.metadata.append((name, node))
            }
        }
        if let mode = machineDetection(hangUpOnMachine, profile: profile.settings.machineDetection) {
            call.settings.append(("machineDetection", SeedEndpoints.stringNode(mode.rawValue, at: fields["hangup_on_answer_machine"] ?? profile.node)))
        }
        let answering = exchange
        SeedCalls.submit(call, context: context) { outcome in
            if case .unavailable(let message) = outcome { Log.error("make-call request failed", [("error", message)]) }
            let (status, body) = response(outcome, now: Date())
            answering.json(status, body, headers: status == 429 ? [("Retry-After", "1")] : [])
        }
    }

    /// `to` as campaignd's target: a phone number with its country code and digits only
    /// (`9725411116037` → `+9725411116037`), or a SIP URI; nil for anything else.
    static func target(_ to: String) -> String? {
        if to.count <= 15, !to.isEmpty, to.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) { return "+" + to }
        if to.lowercased().hasPrefix("sip:"), to.count > 4 { return to }
        return nil
    }

    /// `[{"name": "CALLER_NAME", "value": "Diane Miller"}]` as metadata fields; nil when it is not that shape.
    static func sessionParameters(_ node: JSONNode) -> [(key: String, node: JSONNode)]? {
        guard case .array(let items) = node.value else { return nil }
        var fields: [(key: String, node: JSONNode)] = []
        for item in items {
            guard let name = SeedEndpoints.string(item["name"]), !name.isEmpty else { return nil }
            let value = item["value"] ?? JSONNode(.null, at: item.location)
            fields.removeAll { $0.key == name }
            fields.append((name, value))
        }
        return fields
    }

    /// `hangup_on_answer_machine` as AMD: true hangs up on machines (`disconnect`); false never does
    /// (a profile that detects keeps detecting, one that disconnects only detects); absent: the profile's.
    static func machineDetection(_ hangUp: Bool?, profile: MachineDetectionMode) -> MachineDetectionMode? {
        switch (hangUp, profile) {
        case (true?, _): .disconnect
        case (false?, .disconnect): .detect
        case (false?, _), (nil, _): nil
        }
    }

    /// The status and body for a submitted call's outcome.
    static func response(_ outcome: SeedCallOutcome, now: Date) -> (Int, String) {
        switch outcome {
        case .accepted(_, let conversationID, _):
            var json = JSONObjectWriter()
            json.string("session_id", conversationID)
            json.string("session_start_time", sessionStartTime(now))
            return (200, json.result)
        case .invalid(let diagnostics):
            guard let first = diagnostics.first, let path = first.path, path != "target" else { return error(400, badNumber) }
            let setting = String(path.prefix { $0 != "." && $0 != "[" })
            let field = fieldForSetting[setting].map { $0 + path.dropFirst(setting.count) } ?? path
            return error(400, "\(field): \(first.message)")
        case .tooManyRequests(let message): return error(429, message)
        case .onDNC: return error(403, "The destination number is on the do-not-call list")
        case .unavailable: return error(500, cannotQueue)
        }
    }

    /// `2020-10-14T09:42:07.151657`: UTC with microseconds and no zone, as AI Studio writes it.
    static func sessionStartTime(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        var seconds = time_t(micros / 1_000_000)  // now: after 1970
        let fraction = micros - Int64(seconds) * 1_000_000
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: some BinaryInteger, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(fraction, 6))"
    }

    static func error(_ status: Int, _ message: String) -> (Int, String) {
        var json = JSONObjectWriter()
        json.number("status", status)
        json.string("message", message)
        return (status, json.result)
    }

    static func fail(_ exchange: APIExchange, _ status: Int, _ message: String) {
        let (status, body) = error(status, message)
        exchange.json(status, body, headers: status == 429 ? [("Retry-After", "1")] : [])
    }
}
