import IO
import Scheduler

/// Why the API refused a request: the HTTP status, a code a client can match, a message a person
/// can act on, and for validation the list of problems. Sent as `{"error": {code, message, details}}`.
enum APIError: Error, Sendable {
    /// The request is malformed (a bad query parameter, an id that is not one).
    case badRequest(String)
    /// The body is not JSON, or not the JSON object expected.
    case invalidJSON(String)
    /// No credentials, or none that match a key.
    case unauthorized
    /// The key lacks the scope the route needs.
    case forbidden(APIKey.Scope)
    /// A POST or DELETE authenticated by the console's cookie came without its session's CSRF token.
    case csrfTokenInvalid
    case notFound(String)
    case methodNotAllowed([HTTPMethod])
    /// The campaign was cancelled and can no longer change.
    case campaignCancelled(String)
    /// The Idempotency-Key was used before with a different request.
    case idempotencyKeyReused
    /// Refused by the server itself (parser limits, timeouts, connection limit): status and reason.
    case refused(Int, String)
    case unsupportedMediaType(expected: [String])
    /// What was sent does not validate: every problem, each with its line and field.
    case validation([Diagnostic])
    /// The number is on the do-not-call list.
    case onDNC(String)
    /// The key made more requests than its `ratePerSecond`: try again after so many seconds.
    case rateLimited(retryAfter: Int)
    /// The queue could not be written or read.
    case unavailable(String)
    /// Another process holds the queue locked: nothing was done; try again after `retryAfter` seconds.
    case queueLocked(retryAfter: Int)

    var status: Int {
        switch self {
        case .badRequest, .invalidJSON: 400
        case .unauthorized: 401
        case .forbidden, .csrfTokenInvalid: 403
        case .notFound: 404
        case .methodNotAllowed: 405
        case .campaignCancelled, .idempotencyKeyReused: 409
        case .refused(let status, _): status
        case .unsupportedMediaType: 415
        case .validation, .onDNC: 422
        case .rateLimited: 429
        case .unavailable, .queueLocked: 503
        }
    }

    /// The machine-readable code.
    var code: String {
        switch self {
        case .badRequest: "bad-request"
        case .invalidJSON: "invalid-json"
        case .unauthorized: "unauthorized"
        case .forbidden: "forbidden"
        case .csrfTokenInvalid: "csrf-token-invalid"
        case .notFound: "not-found"
        case .methodNotAllowed: "method-not-allowed"
        case .campaignCancelled: "campaign-cancelled"
        case .idempotencyKeyReused: "idempotency-key-reused"
        case .refused(let status, _):
            switch status {
            case 408: "request-timeout"
            case 413: "body-too-large"
            case 431: "headers-too-large"
            case 503: "too-many-connections"
            case 501: "not-implemented"
            case 505: "http-version-not-supported"
            default: "bad-request"
            }
        case .unsupportedMediaType: "unsupported-media-type"
        case .validation: "validation-failed"
        case .onDNC: "on-dnc-list"
        case .rateLimited: "rate-limited"
        case .unavailable, .queueLocked: "unavailable"
        }
    }

    var message: String {
        switch self {
        case .badRequest(let message), .invalidJSON(let message), .notFound(let message), .unavailable(let message): message
        case .unauthorized: "a valid API key is required: Authorization: Bearer SECRET, or Basic with NAME:SECRET"
        case .forbidden(let scope): "this API key lacks the \"\(scope.rawValue)\" scope"
        case .csrfTokenInvalid:
            "a request authenticated by the console's cookie must carry its session's X-CSRF-Token; reload the console, or use an Authorization header"
        case .methodNotAllowed(let allowed): "method not allowed here; allowed: " + allowed.map(\.rawValue).joined(separator: ", ")
        case .campaignCancelled(let id): "campaign \"\(id)\" was cancelled and cannot be changed"
        case .idempotencyKeyReused: "this Idempotency-Key was used in the last 24 hours with a different request"
        case .refused(let status, let reason):
            status == 413 ? "\(reason); see api.maxBodyBytes" : reason
        case .unsupportedMediaType(let expected): "Content-Type must be " + expected.joined(separator: " or ")
        case .validation(let diagnostics):
            diagnostics.count == 1 ? "1 problem; nothing was imported" : "\(diagnostics.count) problems; nothing was imported"
        case .onDNC(let target): "\(target) is on the do-not-call list"
        case .rateLimited(let seconds): "this API key's ratePerSecond is reached; try again in \(seconds) s"
        case .queueLocked(let seconds):
            "the queue is locked by another process (a sqlite3 shell or backup holding a write transaction); nothing was done: try again in \(seconds) s"
        }
    }

    /// `details` as JSON: the problems of a validation failure, else null.
    var detailsJSON: String {
        guard case .validation(let diagnostics) = self else { return "null" }
        return "[" + diagnostics.map { diagnostic in
            var item = JSONObjectWriter()
            item.number("line", diagnostic.line)
            item.string("field", diagnostic.field ?? diagnostic.path)
            item.string("message", diagnostic.message)
            return item.result
        }.joined(separator: ",") + "]"
    }

    var response: HTTPResponse {
        var inner = JSONObjectWriter()
        inner.string("code", code)
        inner.string("message", message)
        inner.raw("details", detailsJSON)
        var outer = JSONObjectWriter()
        outer.raw("error", inner.result)
        var response = HTTPResponse(status: status, contentType: "application/json", text: outer.result + "\n")
        switch self {
        case .unauthorized: response.headers.add("WWW-Authenticate", "Bearer realm=\"campaignd\", Basic realm=\"campaignd\"")
        case .methodNotAllowed(let allowed): response.headers.add("Allow", allowed.map(\.rawValue).joined(separator: ", "))
        case .rateLimited(let seconds), .queueLocked(let seconds): response.headers.add("Retry-After", String(seconds))
        default: break
        }
        return response
    }
}
