import Foundation
import IO
import Scheduler

/// One request being answered: responds once, through the server's responder, and writes the
/// request's log line (method, path, status, the key's name, never its secret, and the time taken).
struct APIExchange: Sendable {
    let request: HTTPRequest
    let responder: HTTPResponder
    /// The key's name once authenticated.
    var keyName: String?
    let started: ContinuousClock.Instant

    init(request: HTTPRequest, responder: HTTPResponder) {
        self.request = request
        self.responder = responder
        started = ContinuousClock.now
    }

    func respond(_ response: HTTPResponse) {
        log(response.status)
        responder.respond(response)
    }

    private func log(_ status: Int) {
        let elapsed = started.duration(to: .now)
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        Log.info("api request", [("method", request.method.rawValue), ("path", String(request.path)), ("status", String(status)),
                                 ("key", keyName ?? ""), ("ms", String(Int(ms.rounded())))])
    }

    /// Begins a streamed response (its body follows through the responder), logged now.
    func respond(streamHead head: HTTPResponse) {
        log(head.status)
        responder.beginStream(head)
    }

    /// A JSON body (`text` is already JSON) with `status`.
    func json(_ status: Int, _ text: String, headers: [(String, String)] = []) {
        var response = HTTPResponse(status: status, contentType: "application/json", text: text + "\n")
        for (name, value) in headers { response.headers.add(name, value) }
        respond(response)
    }

    func fail(_ error: APIError) {
        if case .unavailable(let message) = error { Log.error("api request failed", [("path", String(request.path)), ("error", message)]) }
        respond(error.response)
    }

    /// The query parameters, decoded (`+` is a space, as HTML forms send).
    var query: [String: String] {
        guard let mark = request.target.firstIndex(of: "?") else { return [:] }
        return Self.urlEncodedFields(request.target[request.target.index(after: mark)...])
    }

    /// The body's fields, as an `application/x-www-form-urlencoded` form sends them.
    var formFields: [String: String] {
        Self.urlEncodedFields(Substring(String(decoding: request.body, as: UTF8.self)))
    }

    /// `application/x-www-form-urlencoded` fields (a query, or a form's body): `+` is a space.
    static func urlEncodedFields(_ text: Substring) -> [String: String] {
        var items: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String { text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text) }
            items[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return items
    }

    /// The media type of the body, lowercased, without parameters ("application/json").
    var mediaType: String? {
        request.headers["Content-Type"].map { $0.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces).lowercased() }
    }
}
