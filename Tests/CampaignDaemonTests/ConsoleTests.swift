import Foundation
import Testing

/// The web console served by `campaignd run`'s API: login with a key, the session cookie, and the
/// CSRF token a cookie-authenticated change needs; driven by Python's http.client (no redirects followed).
@Suite struct ConsoleTests {
    typealias Request = APIDaemon.Request
    static let form = ["Content-Type": "application/x-www-form-urlencoded"]

    @Test func aKeyLogsInToACookieAndChangesNeedTheCSRFToken() async throws {
        let directory = try APITests().workspace()
        let daemon = try await APIDaemon(in: directory.path)
        let first = try await daemon.send([
            Request("GET", "/"),
            Request("POST", "/console/login", headers: Self.form, body: "key=wrong-secret-0123456789"),
            Request("POST", "/console/login", headers: Self.form, body: "key=crm-secret-0123456789"),
            Request("GET", "/v1/campaigns"),
            Request("POST", "/v1/campaigns?id=spring", headers: APIDaemon.bearer.merging(["Content-Type": "text/csv"]) { $1 },
                    body: "target\n5551230010\n5551230011\n"),
        ])
        let login = first[0]
        #expect(login.status == 200 && login.headers["content-type"]?.hasPrefix("text/html") == true)
        #expect(login.body.contains(#"<form method="post" action="/console/login">"#) && login.body.contains(#"name="key""#), "\(login.body)")
        #expect(!login.body.contains("csrf-token"), "no console without a session")
        #expect(first[1].status == 401 && first[1].body.contains("That API key is not valid"), "\(first[1].status) \(first[1].body)")
        #expect(first[1].headers["set-cookie"] == nil, "a wrong key gets no cookie")

        let accepted = first[2]
        #expect(accepted.status == 303 && accepted.headers["location"] == "/", "\(accepted.status) \(accepted.body)")
        let setCookie = try #require(accepted.headers["set-cookie"])
        let attributes = setCookie.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(attributes.contains("HttpOnly") && attributes.contains("SameSite=Strict") && attributes.contains("Path=/"), "\(setCookie)")
        let cookie = try #require(attributes.first.flatMap { $0.hasPrefix("campaignd_session=") ? $0 : nil }, "\(setCookie)")
        #expect(cookie.count > "campaignd_session=".count + 30)
        #expect(first[3].status == 401, "the API without a key or a cookie")
        #expect(first[4].status == 201, "\(first[4].body)")

        let withCookie = ["Cookie": cookie]
        let page = try await daemon.send(Request("GET", "/", headers: withCookie))
        #expect(page.status == 200 && page.body.contains(#"id="campaigns""#), "\(page.body)")
        let token = try #require(Self.csrfToken(in: page.body), "\(page.body)")
        let csrf = withCookie.merging(["X-CSRF-Token": token]) { $1 }
        // Another token of the same length: the first hex digit changed.
        let wrongToken = (token.hasPrefix("0") ? "1" : "0") + token.dropFirst()

        let second = try await daemon.send([
            Request("GET", "/v1/campaigns", headers: withCookie),
            Request("POST", "/v1/campaigns/spring/pause", headers: withCookie),
            Request("POST", "/v1/campaigns/spring/pause", headers: withCookie.merging(["X-CSRF-Token": wrongToken]) { $1 }),
            Request("GET", "/v1/campaigns/spring", headers: withCookie),
            Request("POST", "/v1/campaigns/spring/pause", headers: csrf),
            Request("GET", "/v1/campaigns/spring", headers: withCookie),
            Request("POST", "/v1/campaigns/spring/resume", headers: APIDaemon.bearer),
            Request("GET", "/console/console.js"),
            Request("GET", "/console/console.css"),
            Request("POST", "/console/logout", headers: withCookie),
            Request("POST", "/console/logout", headers: csrf),
            Request("GET", "/v1/campaigns", headers: withCookie),
            Request("GET", "/", headers: withCookie),
        ])
        #expect(second[0].status == 200 && (second[0].json["campaigns"] as? [[String: Any]])?.contains { $0["id"] as? String == "spring" } == true,
                "a GET with the cookie alone: \(second[0].body)")
        #expect(second[1].status == 403 && second[1].errorCode == "csrf-token-invalid", "no token: \(second[1].body)")
        #expect(second[2].status == 403 && second[2].errorCode == "csrf-token-invalid", "a wrong token: \(second[2].body)")
        #expect(second[3].json["state"] as? String != "paused", "a refused pause changed nothing: \(second[3].body)")
        #expect(second[4].status == 200 && second[4].json["state"] as? String == "paused", "with the token: \(second[4].body)")
        #expect(second[5].json["state"] as? String == "paused")
        #expect(second[6].status == 200, "an Authorization header needs no token, as before: \(second[6].body)")
        #expect(second[7].status == 200 && second[7].headers["content-type"]?.hasPrefix("text/javascript") == true)
        #expect(second[8].status == 200 && second[8].headers["content-type"]?.hasPrefix("text/css") == true)
        #expect(second[9].status == 403, "logout needs the token too")
        #expect(second[10].status == 204 && second[10].headers["set-cookie"]?.contains("Max-Age=0") == true)
        #expect(second[11].status == 401, "the cookie is worthless after logout")
        #expect(second[12].body.contains(#"action="/console/login""#), "the login form again after logout")

        let log = daemon.log
        #expect(log.contains("api request method=POST path=/console/login status=303 key=crm"), "\(log)")
        #expect(!log.contains("secret-0123456789"), "no key in the log")
        #expect(!log.contains(String(cookie.dropFirst("campaignd_session=".count))), "no session id in the log")
    }

    @Test func aLoginPostedFromAnotherSiteIsRefusedAndTLSBehindAProxyMakesTheCookieSecure() async throws {
        let directory = try APITests().workspace()
        let daemon = try await APIDaemon(in: directory.path)
        let key = "key=crm-secret-0123456789"
        let answers = try await daemon.send([
            Request("POST", "/console/login", headers: Self.form.merging(["Origin": "https://attacker.example"]) { $1 }, body: key),
            Request("POST", "/console/login", headers: Self.form.merging(["Origin": "null"]) { $1 }, body: key),
            Request("POST", "/console/login", headers: Self.form.merging(["Origin": "http://127.0.0.1:\(daemon.port)"]) { $1 }, body: key),
            Request("POST", "/console/login", headers: Self.form.merging(["X-Forwarded-Proto": "https"]) { $1 }, body: key),
            Request("POST", "/console/login", headers: Self.form, body: "key="),
        ])
        #expect(answers[0].status == 403 && answers[0].headers["set-cookie"] == nil && answers[0].body.contains("another site"), "\(answers[0].body)")
        #expect(answers[1].status == 403 && answers[1].headers["set-cookie"] == nil)
        #expect(answers[2].status == 303 && answers[2].headers["set-cookie"] != nil, "the console's own origin: \(answers[2].body)")
        #expect(answers[2].headers["set-cookie"]?.contains("Secure") == false, "plain HTTP: a Secure cookie would never come back")
        #expect(answers[3].status == 303 && answers[3].headers["set-cookie"]?.hasSuffix("; Secure") == true, "\(answers[3].headers)")
        #expect(answers[4].status == 400 && answers[4].body.contains("Enter your API key"), "\(answers[4].body)")
    }

    @Test func aReadOnlyKeyCanLookButNotControl() async throws {
        let directory = try APITests().workspace()
        let daemon = try await APIDaemon(in: directory.path)
        let first = try await daemon.send([
            Request("POST", "/v1/campaigns?id=spring", headers: APIDaemon.bearer.merging(["Content-Type": "text/csv"]) { $1 },
                    body: "target\n5551230010\n"),
            Request("POST", "/console/login", headers: Self.form, body: "key=viewer-secret-0123456789"),
        ])
        #expect(first[0].status == 201)
        let cookie = try #require(first[1].headers["set-cookie"]?.split(separator: ";").first.map(String.init))
        let page = try await daemon.send(Request("GET", "/", headers: ["Cookie": cookie]))
        let token = try #require(Self.csrfToken(in: page.body), "\(page.body)")
        let answers = try await daemon.send([
            Request("GET", "/v1/campaigns/spring", headers: ["Cookie": cookie]),
            Request("POST", "/v1/campaigns/spring/cancel", headers: ["Cookie": cookie, "X-CSRF-Token": token]),
        ])
        #expect(answers[0].status == 200)
        #expect(answers[1].status == 403 && answers[1].errorCode == "forbidden", "the key's scopes hold for its session: \(answers[1].body)")
    }

    /// The console page's `<meta name="csrf-token" content="…">`.
    static func csrfToken(in html: String) -> String? {
        guard let meta = html.range(of: #"<meta name="csrf-token" content=""#) else { return nil }
        let rest = html[meta.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }
}
