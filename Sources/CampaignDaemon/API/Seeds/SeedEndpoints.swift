import Foundation
import IO
import Scheduler

/// Hands each drop-in request to its API's endpoint, and what they share: reading the JSON body,
/// checking a field's type, the call's key.
enum SeedEndpoints {
    static func handle(_ route: SeedRoute, _ exchange: APIExchange, seeds: SeedContext, context: APIContext) {
        switch route {
        case .audioCodesToken: AudioCodesEndpoint.token(exchange, seeds: seeds)
        case .audioCodesDialout: AudioCodesEndpoint.dialout(exchange, seeds: seeds, context: context)
        case .koreAIDialout(let botID): KoreAIEndpoint.dialout(botID: botID, exchange, seeds: seeds, context: context)
        case .ibmStartOutboundCall(let tenantID): IBMEndpoint.startOutboundCall(tenantID: tenantID, exchange, seeds: seeds, context: context)
        case .jambonzCreateCall(let accountSID): JambonzEndpoint.createCall(accountSID: accountSID, exchange, seeds: seeds, context: context)
        case .vonageMakeCall: VonageEndpoint.makeCall(exchange, seeds: seeds, context: context)
        }
    }

    /// The request's body as a JSON object's fields; nil when it is not one (with what is wrong).
    struct BodyProblem: Error {
        var message: String
    }

    static func object(_ exchange: APIExchange) -> Result<[(key: String, node: JSONNode)], BodyProblem> {
        let root: JSONNode
        do {
            root = try JSONParser.parse(exchange.request.body, file: "request")
        } catch {
            return .failure(BodyProblem(message: "the body is not JSON: line \(error.line): \(error.message)"))
        }
        guard let pairs = root.objectPairs else { return .failure(BodyProblem(message: "the body must be a JSON object")) }
        return .success(pairs)
    }

    /// The JSON type a field has, in the words JSON Schema validators use ("string", "number", …).
    static func typeName(_ node: JSONNode) -> String {
        switch node.value {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    static func string(_ node: JSONNode?) -> String? {
        guard case .string(let text)? = node?.value else { return nil }
        return text
    }

    static func number(_ node: JSONNode?) -> Double? {
        guard case .number(let value, _)? = node?.value else { return nil }
        return value
    }

    /// A JSON number node (for settings the request sets).
    static func numberNode(_ value: Int, at node: JSONNode) -> JSONNode {
        JSONNode(.number(Double(value), text: String(value)), at: node.location)
    }

    static func stringNode(_ value: String, at node: JSONNode) -> JSONNode {
        JSONNode(.string(value), at: node.location)
    }

    /// The first problem of a refused call in words (callers add the field it names).
    static func sentence(_ diagnostics: [Diagnostic]) -> String {
        guard let first = diagnostics.first else { return "the request is not valid" }
        return first.message
    }
}
