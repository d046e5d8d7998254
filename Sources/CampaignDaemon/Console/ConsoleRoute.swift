import IO

/// What a request for the web console asks for: the page (`GET /`), its two static assets, login
/// and logout. Everything else the console does is an ordinary `/v1` API call.
enum ConsoleRoute: Sendable, Equatable {
    /// The console if the session cookie is valid, else the login form.
    case page
    case stylesheet
    case script
    /// `POST /console/login` with the form field `key`.
    case login
    /// `POST /console/logout` (with the CSRF token).
    case logout

    /// The console's route for `path`; nil when the path is not the console's (it is the API's).
    static func match(_ method: HTTPMethod, path: Substring) throws(APIError) -> ConsoleRoute? {
        let read = method == .get || method == .head
        func only(_ allowed: HTTPMethod, _ route: ConsoleRoute) throws(APIError) -> ConsoleRoute {
            let matches = allowed == .get ? read : method == allowed
            guard matches else { throw .methodNotAllowed(allowed == .get ? [.get, .head] : [allowed]) }
            return route
        }
        switch path {
        case "/": return try only(.get, .page)
        case "/console/console.css": return try only(.get, .stylesheet)
        case "/console/console.js": return try only(.get, .script)
        case "/console/login": return try only(.post, .login)
        case "/console/logout": return try only(.post, .logout)
        default:
            if path.hasPrefix("/console/") { throw .notFound("no such console page: \(path)") }
            return nil
        }
    }
}
