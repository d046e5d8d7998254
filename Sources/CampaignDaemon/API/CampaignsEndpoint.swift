import Foundation
import IO
import Scheduler
import Telephony

/// `/v1/campaigns`: create (a campaign file's JSON, or CSV with `?id=`), list, show with status
/// counts, pause/resume/cancel, and append contacts. Validation is the drop folder's, to the letter;
/// imports run on the API's importing connection, all or nothing. With `?validate=true` a create or
/// an append is checked the same way and answered without importing anything.
enum CampaignsEndpoint {
    static func list(_ exchange: APIExchange, context: APIContext) {
        context.reads.answer(exchange) { store in
            let statuses = try store.campaignStatuses()
            let calls = try store.campaignCallStats(now: Timestamp.nowMs())
            return (200, "{\"campaigns\":[" + statuses.map { statusJSON($0, calls: calls[$0.id] ?? CampaignCallStats()) }.joined(separator: ",") + "]}", [])
        }
    }

    static func show(_ id: String, _ exchange: APIExchange, context: APIContext) {
        context.reads.answer(exchange) { store in
            guard let status = try store.campaignStatuses().first(where: { $0.id == id }) else { throw APIStoreError.campaignNotFound(id) }
            var json = statusJSON(status, calls: try store.campaignCallStats(now: Timestamp.nowMs())[id] ?? CampaignCallStats())
            // One campaign's answer also has its settings, as stored (the list leaves them out).
            json.removeLast()
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            json += ",\"settings\":" + String(decoding: try encoder.encode(store.settings(of: id)), as: UTF8.self) + "}"
            return (200, json, [])
        }
    }

    /// A campaign as `GET /v1/campaigns` lists it: state, contact counts by state, and its calls.
    static func statusJSON(_ status: CampaignStatus, calls: CampaignCallStats) -> String {
        var counts = JSONObjectWriter()
        for state in ContactState.allCases { counts.number(state.rawValue, status.count(state)) }
        var json = JSONObjectWriter()
        json.string("id", status.id)
        json.string("name", status.name)
        json.string("state", status.state.rawValue)
        json.number("total", status.total)
        json.raw("counts", counts.result)
        json.raw("calls", callsJSON(calls))
        return json.result
    }

    /// `calls`: attempts started in the last minute, ended, answered, the answer rate, AMD verdicts
    /// of answered calls (by the CDR's `machineDetection` value) and abandonment.
    static func callsJSON(_ calls: CampaignCallStats) -> String {
        var amd = JSONObjectWriter()
        for kind in AMDEvent.Kind.allCases where kind.isVerdict { amd.number(kind.rawValue, calls.amd[kind] ?? 0) }
        var abandonment = JSONObjectWriter()
        abandonment.number("people", calls.abandonment.people)
        abandonment.number("abandoned", calls.abandonment.abandoned)
        abandonment.raw("rate", rateJSON(calls.abandonment.rate))
        abandonment.raw("rateLast30Days", rateJSON(calls.abandonment.rateLast30Days))
        var json = JSONObjectWriter()
        json.number("perMinute", calls.startedLastMinute)
        json.number("finished", calls.finished)
        json.number("answered", calls.answered)
        json.raw("answerRate", rateJSON(calls.answerRate))
        json.raw("amd", amd.result)
        json.raw("abandonment", abandonment.result)
        return json.result
    }

    /// A fraction from 0 to 1 with four decimals.
    private static func rateJSON(_ rate: Double) -> String {
        String(format: "%.4f", rate.isFinite ? rate : 0)
    }

    /// The body's format from its Content-Type, or the 415.
    private static func format(_ exchange: APIExchange) -> CampaignLoader.Format? {
        switch exchange.mediaType {
        case "application/json": return .json
        case "text/csv": return .csv
        default:
            exchange.fail(.unsupportedMediaType(expected: ["application/json", "text/csv"]))
            return nil
        }
    }

    static func create(_ exchange: APIExchange, context: APIContext) {
        guard let format = format(exchange) else { return }
        let requested = exchange.query["id"]
        if let requested, let problem = CampaignLoader.problem(withID: requested) {
            exchange.fail(.validation([Diagnostic(file: "request", line: nil, path: "id", message: problem)]))
            return
        }
        if format == .csv, requested == nil {
            exchange.fail(.validation([Diagnostic(file: "request", line: nil, path: "id", message: "a CSV campaign needs its id in the query: POST /v1/campaigns?id=spring")]))
            return
        }
        if format == .json, requested == nil, let root = try? JSONParser.parse(exchange.request.body, file: "request"),
           root.objectPairs != nil, root["id"] == nil {
            exchange.fail(.validation([Diagnostic(file: "request", line: root.location.line, path: "id", message: "the campaign has no \"id\"; add one, or give ?id=")]))
            return
        }
        guard let validateOnly = validateOnly(exchange) else { return }
        // A JSON body's own "id" wins over this one, as a file's does over its name.
        if validateOnly {
            context.reads.answer(exchange) { store in
                let spec = try context.loader.load(bytes: exchange.request.body, format: format, name: "request", id: requested ?? "request")
                let exists = try store.campaignStatuses().contains { $0.id == spec.id }
                return (200, validationJSON(spec, campaignExists: exists), [])
            }
            return
        }
        importCampaign(exchange, format: format, id: requested ?? "request", context: context)
    }

    /// The `validate` query parameter: true, false (or absent), or the 400.
    private static func validateOnly(_ exchange: APIExchange) -> Bool? {
        switch exchange.query["validate"] {
        case nil, "false", "0": return false
        case "true", "1": return true
        case let other?:
            exchange.fail(.badRequest("validate is true or false, not \"\(other)\""))
            return nil
        }
    }

    /// What an import of `spec` would bring, as far as the request alone tells: its id, whether the
    /// campaign exists already, the contacts it holds and its repeated targets. Which of them the
    /// campaign already has, or the do-not-call list holds, is found only by importing.
    static func validationJSON(_ spec: CampaignSpec, campaignExists: Bool) -> String {
        var json = JSONObjectWriter()
        json.string("id", spec.id)
        json.bool("valid", true)
        json.bool("campaignExists", campaignExists)
        json.number("contacts", spec.contacts.count)
        json.number("duplicatesInRequest", spec.duplicateCount)
        json.bool("imported", false)
        return json.result
    }

    private static func importCampaign(_ exchange: APIExchange, format: CampaignLoader.Format, id: String, context: APIContext) {
        guard let idempotency = CallsEndpoint.idempotencyClaim(exchange) else { return }
        context.imports.answer(exchange) { store in
            let outcome = try store.idempotent(idempotency, now: Timestamp.nowMs()) { () throws -> (Bool, status: Int, body: String) in
                let spec = try context.loader.load(bytes: exchange.request.body, format: format, name: "request", id: id)
                let result = try store.importCampaign(CampaignSpec(
                    id: spec.id, sourceFile: "api", settings: spec.settings, contacts: spec.contacts,
                    duplicateCount: spec.duplicateCount, contentHash: spec.contentHash))
                return (true, result.alreadyImportedAt == nil && result.campaignCreated ? 201 : 200, importJSON(result))
            }
            return try respond(outcome, context: context)
        }
    }

    private static func respond(_ outcome: IdempotentOutcome<Bool>, context: APIContext) throws -> HTTPResponseText {
        switch outcome {
        case .done(_, let status, let body):
            context.wake()
            return (status, body, [])
        case .replayed(let status, let body): return (status, body, [("Idempotent-Replayed", "true")])
        case .keyReused: throw APIError.idempotencyKeyReused
        }
    }

    static func importJSON(_ result: ImportResult) -> String {
        var json = JSONObjectWriter()
        json.string("id", result.campaignID)
        json.bool("created", result.campaignCreated)
        json.number("contactsAdded", result.contactsAdded)
        json.number("contactsAlreadyPresent", result.contactsAlreadyPresent)
        json.number("duplicatesInRequest", result.duplicatesInFile)
        json.number("skippedDNC", result.skippedDNC)
        json.string("alreadyImportedAt", result.alreadyImportedAt)
        return json.result
    }

    static func control(_ id: String, _ command: CampaignCommand, _ exchange: APIExchange, context: APIContext) {
        context.imports.answer(exchange) { store in
            let before = try store.apply(command, to: id)
            if command == .resume { context.wake() }
            var json = JSONObjectWriter()
            json.string("id", id)
            json.string("previousState", before.rawValue)
            json.string("state", command == .pause ? CampaignState.paused.rawValue
                        : command == .resume ? CampaignState.active.rawValue : CampaignState.cancelled.rawValue)
            return (200, json.result, [])
        }
    }

    /// Sends the campaign's interrupted contacts (calls a crash or a stop cut short) back to be
    /// dialed, as `campaignd requeue ID --interrupted` does: an operator's deliberate choice.
    static func requeueInterrupted(_ id: String, _ exchange: APIExchange, context: APIContext) {
        context.imports.answer(exchange) { store in
            let count = try store.requeueInterrupted(campaignID: id)
            if count > 0 { context.wake() }
            var json = JSONObjectWriter()
            json.string("id", id)
            json.number("requeued", count)
            return (200, json.result, [])
        }
    }

    /// Appends contacts (CSV, or JSON `{"contacts": [...]}`) to an existing campaign, read with its
    /// own country code; its settings stay as they are.
    static func addContacts(_ id: String, _ exchange: APIExchange, context: APIContext) {
        guard let format = format(exchange) else { return }
        guard let validateOnly = validateOnly(exchange) else { return }
        if validateOnly {
            context.reads.answer(exchange) { store in
                let settings = try store.settings(of: id)
                let spec = try contactsLoader(settings, format: format, exchange, context: context)
                    .load(bytes: exchange.request.body, format: format, name: "request", id: id)
                return (200, validationJSON(spec, campaignExists: true), [])
            }
            return
        }
        guard let idempotency = CallsEndpoint.idempotencyClaim(exchange) else { return }
        context.imports.answer(exchange) { store in
            let settings = try store.settings(of: id)
            let loader = try contactsLoader(settings, format: format, exchange, context: context)
            let outcome = try store.idempotent(idempotency, now: Timestamp.nowMs()) { () throws -> (Bool, status: Int, body: String) in
                let spec = try loader.load(bytes: exchange.request.body, format: format, name: "request", id: id)
                let result = try store.importCampaign(CampaignSpec(
                    id: id, sourceFile: "api", settings: settings, contacts: spec.contacts,
                    duplicateCount: spec.duplicateCount, contentHash: spec.contentHash))
                return (true, 200, importJSON(result))
            }
            return try respond(outcome, context: context)
        }
    }

    /// The loader for contacts appended to a campaign with `settings` (read with its country code),
    /// after checking a JSON body is `{"contacts": [...]}` and nothing else.
    private static func contactsLoader(_ settings: CampaignSettings, format: CampaignLoader.Format, _ exchange: APIExchange,
                                       context: APIContext) throws -> CampaignLoader {
        var loader = context.loader
        if let code = settings.defaultCountryCode {
            let location = SourceLocation(file: "request", line: 1)
            let overlay = JSONNode(.object([("defaultCountryCode", JSONNode(.string(code), at: location))]), at: location)
            loader.context.defaults = loader.context.defaults.map { $0.merged(with: overlay) } ?? overlay
        }
        if format == .json {
            guard let root = try? JSONParser.parse(exchange.request.body, file: "request"), let pairs = root.objectPairs,
                  pairs.allSatisfy({ $0.key == "contacts" }) else {
                throw APIError.validation([Diagnostic(file: "request", line: 1, path: nil,
                                                      message: "expected {\"contacts\": [{\"target\": …}, …]} and nothing else")])
            }
        }
        return loader
    }
}
