import IO
import Scheduler
import Telephony

/// `POST /v1/calls` (one call: a contact plus any campaign settings, or `"campaign"` to inherit a
/// campaign's) and `GET /v1/calls/{id}`.
///
/// A call without `"campaign"` goes into the built-in campaign `api`, whose settings are the
/// configuration's `defaults`; one that also sets campaign settings goes into a campaign shared by
/// every call with the same settings (`api-` and a hash of them), so the dispatcher paces each
/// set of settings as one campaign instead of round-robin over one campaign per call.
enum CallsEndpoint {
    /// Fields of the contact itself, stored on its row.
    static let contactKeys: Set<String> = ["target", "caller", "timezone", "notifyUrl", "metadata"]

    static func create(_ exchange: APIExchange, context: APIContext) {
        guard exchange.mediaType == "application/json" else {
            exchange.fail(.unsupportedMediaType(expected: ["application/json"]))
            return
        }
        let root: JSONNode
        do {
            root = try JSONParser.parse(exchange.request.body, file: "request")
        } catch {
            exchange.fail(.invalidJSON("the body is not JSON: line \(error.line): \(error.message)"))
            return
        }
        guard let pairs = root.objectPairs else {
            exchange.fail(.invalidJSON("the body must be a JSON object such as {\"target\": \"+15551234567\"}"))
            return
        }
        var problems: [Diagnostic] = []
        func problem(_ node: JSONNode, _ field: String, _ message: String) {
            problems.append(Diagnostic(at: node.location, path: field, message: message))
        }
        var contact: [(key: String, node: JSONNode)] = []
        var settings: [(key: String, node: JSONNode)] = []
        var campaignID: String?
        for (key, node) in pairs {
            if contactKeys.contains(key) {
                contact.append((key, node))
            } else if key == "campaign" {
                guard case .string(let id) = node.value, CampaignLoader.problem(withID: id) == nil else {
                    problem(node, key, "\"campaign\" must be the id of a campaign")
                    continue
                }
                campaignID = id
            } else if CampaignSettings.keys.contains(key) {
                settings.append((key, node))
            } else {
                problem(node, key, "unknown field \"\(key)\"; a call takes target, caller, timezone, notifyUrl, metadata, campaign and campaign settings")
            }
        }
        if root["target"] == nil { problem(root, "target", "a call needs a \"target\" (a phone number or SIP URI)") }
        if let campaignID {
            for (key, node) in settings {
                problem(node, key, "settings come from campaign \"\(campaignID)\"; leave \"\(key)\" out, or leave \"campaign\" out")
            }
        }
        guard let idempotency = idempotencyClaim(exchange) else { return }
        let contactNode = JSONNode(.object(contact), at: root.location)
        if let campaignID {
            guard problems.isEmpty else {
                exchange.fail(.validation(problems))
                return
            }
            // The campaign's own country code reads the number; its settings stay as they are.
            context.reads.run { store in
                let campaignSettings: CampaignSettings
                do {
                    campaignSettings = try store.settings(of: campaignID)
                } catch {
                    exchange.fail(.validation([Diagnostic(at: root.location, path: "campaign", message: "no campaign \"\(campaignID)\"")]))
                    return
                }
                var overrides: [(key: String, node: JSONNode)] = []
                if let code = campaignSettings.defaultCountryCode {
                    overrides.append(("defaultCountryCode", JSONNode(.string(code), at: root.location)))
                }
                switch validate(settings: overrides, contact: contactNode, root: root, context: context) {
                case .success(let spec):
                    submit(APICallSubmission(campaignID: campaignID, createWith: nil, contact: spec.contacts[0]),
                           idempotency: idempotency, exchange: exchange, context: context)
                case .failure(let failure):
                    exchange.fail(.validation(failure.diagnostics))
                }
            }
            return
        }
        // Every problem at once: the fields above and what validation finds.
        let spec: CampaignSpec
        switch validate(settings: settings, contact: contactNode, root: root, context: context) {
        case .success(let valid) where problems.isEmpty: spec = valid
        case .success:
            exchange.fail(.validation(problems))
            return
        case .failure(let failure):
            exchange.fail(.validation(problems + failure.diagnostics.filter { diagnostic in !problems.contains { $0.path == diagnostic.path } }))
            return
        }
        var id = APIContext.builtInCampaign
        var createWith = spec.settings
        if !settings.isEmpty {
            id += "-" + String(SHA256.hexDigest(Array(((try? QueueStore.encodeSettingsText(spec.settings)) ?? "").utf8)).prefix(12))
            if createWith.name == nil { createWith.name = "API calls with their own settings" }
        }
        submit(APICallSubmission(campaignID: id, createWith: createWith, contact: spec.contacts[0]),
               idempotency: idempotency, exchange: exchange, context: context)
    }

    /// The call's settings and contact validated as a one-contact campaign file would be.
    private static func validate(settings: [(key: String, node: JSONNode)], contact: JSONNode, root: JSONNode,
                                 context: APIContext) -> Result<CampaignSpec, ValidationFailure> {
        let campaign = JSONNode(.object(settings + [("contacts", JSONNode(.array([contact]), at: root.location))]), at: root.location)
        do {
            let spec = try context.loader.load(json: campaign, name: "request", id: APIContext.builtInCampaign)
            guard spec.contacts.count == 1 else {
                return .failure(ValidationFailure([Diagnostic(at: root.location, path: "target", message: "the call has no valid target")]))
            }
            return .success(spec)
        } catch {
            return .failure(ValidationFailure(error.diagnostics.map { diagnostic in
                var problem = diagnostic
                if let path = problem.path {
                    if path.hasPrefix("contacts[0].") { problem.path = String(path.dropFirst("contacts[0].".count)) }
                    if path == "contacts[0]" { problem.path = "target" }
                }
                return problem
            }))
        }
    }

    private static func submit(_ call: APICallSubmission, idempotency: IdempotencyClaim?, exchange: APIExchange, context: APIContext) {
        let campaignID = call.campaignID
        // Owned by this request: it answers the responder once the write is committed (or failed).
        Task {
            do {
                let outcome = try await context.writer.submitCall(call, idempotency: idempotency, now: Timestamp.nowMs()) { id, conversationID in
                    var json = JSONObjectWriter()
                    json.string("id", String(id))
                    json.string("conversationId", conversationID)
                    json.string("campaign", campaignID)
                    json.string("state", "queued")
                    return (201, json.result)
                }
                switch outcome {
                case .done(let id, let status, let body):
                    context.wake()
                    exchange.json(status, body, headers: [("Location", "/v1/calls/\(id)")])
                case .replayed(let status, let body):
                    exchange.json(status, body, headers: [("Idempotent-Replayed", "true")])
                case .keyReused:
                    exchange.fail(.idempotencyKeyReused)
                }
            } catch {
                exchange.fail(APIError(error))
            }
        }
    }

    /// The `Idempotency-Key` of a POST, bound to the key that sent it and the request's content.
    ///
    /// - Returns: `.some(nil)` when the request has no key; nil when the key is malformed, after
    ///   failing `exchange` with 400, so the caller only returns.
    static func idempotencyClaim(_ exchange: APIExchange) -> IdempotencyClaim?? {
        guard let key = exchange.request.headers["Idempotency-Key"] else { return .some(nil) }
        guard !key.isEmpty, key.utf8.count <= 255 else {
            exchange.fail(.badRequest("Idempotency-Key must be 1 to 255 characters"))
            return nil
        }
        var hasher = SHA256()
        hasher.update(Array((exchange.request.method.rawValue + " " + exchange.request.target + "\n").utf8))
        hasher.update(exchange.request.body)
        return IdempotencyClaim(apiKey: exchange.keyName ?? "", key: key, requestHash: hex(hasher.finalize()))
    }

    static func show(_ id: Int64, _ exchange: APIExchange, context: APIContext) {
        context.reads.answer(exchange) { store in
            let call = try store.apiCall(id: id)
            var json = JSONObjectWriter()
            json.string("id", String(call.id))
            json.string("conversationId", call.conversationID)
            json.string("campaign", call.campaignID)
            json.string("target", call.target)
            json.string("state", stateName(call.state))
            json.number("attempts", call.attempts)
            json.time("nextAttemptAt", call.nextAttemptAt)
            json.raw("cdrs", "[" + call.cdrs.map(\.jsonLine).joined(separator: ",") + "]")
            return (200, json.result, [])
        }
    }

    /// A contact's state as the API names it: a pending call is `queued`, the rest as the store has them.
    static func stateName(_ state: ContactState) -> String {
        switch state {
        case .pending: "queued"
        case .dialing, .retryWait, .done, .failed, .skipped, .cancelled, .interrupted: state.rawValue
        }
    }
}
