import IO
import Scheduler

/// `GET /v1/dnc`, `POST /v1/dnc` (`{"targets": [...], "source"?}`), `DELETE /v1/dnc/{target}`.
/// Numbers are normalised with the configuration's country code, as `campaignd dnc` does.
enum DNCEndpoint {
    static func list(_ exchange: APIExchange, context: APIContext) {
        context.reads.answer(exchange) { store in
            let entries = try store.dncEntries().map { entry in
                var json = JSONObjectWriter()
                json.string("target", entry.target)
                json.string("source", entry.source)
                json.string("addedAt", entry.addedAt)
                return json.result
            }
            return (200, "{\"entries\":[" + entries.joined(separator: ",") + "]}", [])
        }
    }

    static func add(_ exchange: APIExchange, context: APIContext) {
        guard exchange.mediaType == "application/json" else {
            exchange.fail(.unsupportedMediaType(expected: ["application/json"]))
            return
        }
        guard let root = try? JSONParser.parse(exchange.request.body, file: "request"), root.objectPairs != nil else {
            exchange.fail(.invalidJSON("the body must be a JSON object such as {\"targets\": [\"+15551234567\"]}"))
            return
        }
        var reader = JSONFieldReader()
        reader.checkKeys(root, path: "", allowed: ["targets", "source"], noun: "field")
        var targets: [String] = []
        let normalizer = TargetNormalizer(defaultCountryCode: context.defaultCountryCode)
        if let node = root["targets"], case .array(let items) = node.value, !items.isEmpty {
            for (index, item) in items.enumerated() {
                guard let text = reader.string(item, "targets[\(index)]") else { continue }
                switch normalizer.normalize(text) {
                case .success(let target): targets.append(target.description)
                case .failure(let error): reader.fail(item, "targets[\(index)]", error.description)
                }
            }
        } else {
            reader.fail(root["targets"] ?? root, "targets", "expected \"targets\": a non-empty array of numbers")
        }
        let source = root["source"].flatMap { reader.string($0, "source") } ?? "api \(exchange.keyName ?? "")"
        guard reader.diagnostics.isEmpty else {
            exchange.fail(.validation(reader.diagnostics))
            return
        }
        let normalized = targets
        context.imports.answer(exchange) { store in
            let targets = normalized
            let added = try store.addToDNC(targets, source: source)
            return (200, "{\"added\":\(added),\"targets\":\(targets.count)}", [])
        }
    }

    static func remove(_ raw: String, _ exchange: APIExchange, context: APIContext) {
        let target: String
        switch TargetNormalizer(defaultCountryCode: context.defaultCountryCode).normalize(raw) {
        case .success(let normalized): target = normalized.description
        case .failure(let error):
            exchange.fail(.validation([Diagnostic(file: "request", line: nil, path: "target", message: error.description)]))
            return
        }
        context.imports.answer(exchange) { store in
            guard try store.removeFromDNC([target]) > 0 else { throw APIError.notFound("\(target) is not on the do-not-call list") }
            context.wake()
            var json = JSONObjectWriter()
            json.number("removed", 1)
            json.string("target", target)
            return (200, json.result, [])
        }
    }
}
