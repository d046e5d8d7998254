import Foundation
import IO

/// The web console's own requests: the page or the login form at `/`, its stylesheet and script,
/// login (the API key posted from the form, answered with the session cookie) and logout.
enum ConsoleEndpoint {
    /// The session cookie's name.
    static let cookieName = "campaignd_session"
    /// The header a cookie-authenticated POST or DELETE carries its CSRF token in.
    static let csrfHeader = "X-CSRF-Token"

    static func handle(_ route: ConsoleRoute, _ exchange: APIExchange, authenticator: APIAuthenticator,
                       sessions: ConsoleSessions<ContinuousClock>) {
        switch route {
        case .page:
            if let id = sessionID(in: exchange.request.headers), let session = sessions.session(id),
               authenticator.key(named: session.keyName) != nil {
                var answering = exchange
                answering.keyName = session.keyName
                answering.respond(page(200, ConsolePage.console(keyName: session.keyName, csrfToken: session.csrfToken)))
            } else {
                exchange.respond(page(200, ConsolePage.login(message: nil)))
            }
        case .stylesheet:
            exchange.respond(asset("text/css; charset=utf-8", ConsoleStylesheet.css))
        case .script:
            exchange.respond(asset("text/javascript; charset=utf-8", ConsoleScript.javaScript))
        case .login:
            login(exchange, authenticator: authenticator, sessions: sessions)
        case .logout:
            guard let id = sessionID(in: exchange.request.headers), let session = sessions.session(id) else {
                exchange.fail(.unauthorized)
                return
            }
            guard csrfTokenMatches(exchange.request.headers, session) else {
                exchange.fail(.csrfTokenInvalid)
                return
            }
            sessions.close(id)
            var answering = exchange
            answering.keyName = session.keyName
            var response = HTTPResponse(status: 204)
            response.headers.add("Set-Cookie", "\(cookieName)=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
            response.headers.add("Cache-Control", "no-store")
            answering.respond(response)
        }
    }

    /// The form's `key` field checked as a Bearer secret would be: a session and its cookie, or the
    /// login form again with why. The key itself is never logged.
    private static func login(_ exchange: APIExchange, authenticator: APIAuthenticator, sessions: ConsoleSessions<ContinuousClock>) {
        guard sameOrigin(exchange.request.headers) else {
            exchange.respond(page(403, ConsolePage.login(message: "This login was posted from another site. Open the console at its own address and log in there.")))
            return
        }
        let fields = exchange.formFields
        guard let secret = fields["key"], !secret.isEmpty else {
            exchange.respond(page(400, ConsolePage.login(message: "Enter your API key.")))
            return
        }
        guard let key = authenticator.key(secret: secret) else {
            Log.info("console login refused")
            exchange.respond(page(401, ConsolePage.login(message: "That API key is not valid. Check it (it is case-sensitive) and try again.")))
            return
        }
        let (id, _) = sessions.open(keyName: key.name)
        Log.info("console login", [("key", key.name)])
        var answering = exchange
        answering.keyName = key.name
        // RFC 9110 §15.4.4: 303 makes the browser GET / after the POST, so a reload does not post the key again.
        var response = HTTPResponse(status: 303)
        response.headers.add("Location", "/")
        // Secure when the proxy in front says the browser used TLS (deploy/nginx sets it); a client
        // sending the header itself only makes its own cookie stricter.
        let secure = exchange.request.headers["X-Forwarded-Proto"]?.lowercased() == "https" ? "; Secure" : ""
        response.headers.add("Set-Cookie",
                             "\(cookieName)=\(id); HttpOnly; SameSite=Strict; Path=/; Max-Age=\(Int(sessions.lifetime.components.seconds))\(secure)")
        response.headers.add("Cache-Control", "no-store")
        answering.respond(response)
    }

    /// Whether a browser's POST came from this server's own pages: its `Origin` (RFC 6454 §7, sent
    /// by browsers on every POST) names the `Host` it was sent to. No `Origin` (a script, curl) passes;
    /// `null` (a sandboxed or privacy-stripped origin) does not. This stops login CSRF (a page
    /// elsewhere logging the browser in with the attacker's key).
    static func sameOrigin(_ headers: HTTPHeaders) -> Bool {
        guard let origin = headers["Origin"]?.trimmingCharacters(in: .whitespaces) else { return true }
        guard let host = headers["Host"]?.trimmingCharacters(in: .whitespaces), !host.isEmpty,
              let separator = origin.range(of: "://") else { return false }
        return origin[separator.upperBound...].lowercased() == host.lowercased()
    }

    /// Whether the request's `X-CSRF-Token` is the session's, compared in constant time.
    static func csrfTokenMatches(_ headers: HTTPHeaders, _ session: ConsoleSessions<ContinuousClock>.Session) -> Bool {
        guard let sent = headers[csrfHeader] else { return false }
        return APIAuthenticator.constantTimeEquals(Array(sent.utf8), Array(session.csrfToken.utf8))
    }

    /// The session id in the `Cookie` header (RFC 6265 §5.4: `name=value; name=value`).
    static func sessionID(in headers: HTTPHeaders) -> String? {
        for header in headers.values("Cookie") {
            for pair in header.split(separator: ";") {
                let trimmed = pair.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix(cookieName + "="), trimmed.count > cookieName.count + 1 {
                    return String(trimmed.dropFirst(cookieName.count + 1))
                }
            }
        }
        return nil
    }

    /// An HTML page: never cached (it carries the CSRF token), only this origin's script and style.
    private static func page(_ status: Int, _ html: String) -> HTTPResponse {
        var response = HTTPResponse(status: status, contentType: "text/html; charset=utf-8", text: html)
        response.headers.add("Cache-Control", "no-store")
        addSecurityHeaders(&response)
        return response
    }

    private static func asset(_ contentType: String, _ text: String) -> HTTPResponse {
        var response = HTTPResponse(status: 200, contentType: contentType, text: text)
        response.headers.add("Cache-Control", "no-cache")
        addSecurityHeaders(&response)
        return response
    }

    private static func addSecurityHeaders(_ response: inout HTTPResponse) {
        response.headers.add("Content-Security-Policy",
                             "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
        response.headers.add("X-Content-Type-Options", "nosniff")
        // Not no-referrer: with it Chromium sends `Origin: null` on the login form's POST, which `sameOrigin` refuses.
        response.headers.add("Referrer-Policy", "same-origin")
        response.headers.add("X-Frame-Options", "DENY")
    }
}
