import Foundation
import Testing

/// IBM Voice Gateway's `POST /vgw/outboundCalls/{tenantID}/startOutboundCall` (seed 002) served by
/// campaignd: the document's cURL example and a routed call against SIPp, every `statusWebhook`
/// notification at a local receiver field by field, and each documented error status.
@Suite struct DropInIBMTests {
    typealias Request = APIDaemon.Request

    static let basic = "Basic " + Data("crm:crm-secret-0123456789".utf8).base64EncodedString()

    /// A daemon whose profile `tenant1` calls through `trunkPort` (SIPp, or a port nothing listens on).
    func workspace(trunkPort: Int) throws -> Workspace {
        let directory = try Workspace()
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "gw", "host": "127.0.0.1", "port": \(trunkPort)}],
             "sip": {"bindAddress": "127.0.0.1", "port": 0, "t1Ms": 100},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111", "timezone": "UTC", "answerTimeoutSec": 5,
                          "window": {"start": "00:00", "end": "24:00"}, "maxRetryNo": 0},
             \(APIDaemon.apiSection(extra: #", "profiles": {"tenant1": {"trunk": "gw"}}"#))}
            """)
        return directory
    }

    /// The notifications received for `session`, in arrival order (each request's headers and body).
    func notifications(_ receiver: WebhookReceiver, session: String) -> [[String: Any]] {
        receiver.requests.filter { (($0["body"] as? [String: Any])?["vgwSessionID"] as? String) == session }
    }

    func callStates(_ receiver: WebhookReceiver, session: String) -> [String] {
        notifications(receiver, session: session).compactMap { ($0["body"] as? [String: Any])?["callState"] as? String }
    }

    /// Waits (at most 30 s) until `session`'s notifications end with `last`.
    func waitForState(_ receiver: WebhookReceiver, session: String, _ last: String) async throws {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, callStates(receiver, session: session).last != last {
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test func theDocumentedCurlExampleCallsAndNotifiesEachCallState() async throws {
        let scratch = try Workspace()
        let callee = try await SIPpCallee(scenario: "uas-answer-hangup.xml", in: scratch.path)
        let receiver = try await WebhookReceiver(in: scratch.path, secret: "unused")
        let work = try workspace(trunkPort: callee.port)
        let daemon = try await APIDaemon(in: work.path)

        // The document's example, with -u for its Basic authentication. Its body is written with
        // parentheses for braces and its statusWebhook as "http:www.example.com": sent here as the
        // JSON it means, with the local receiver's URL.
        let body = """
            { \
                 "from": "sip:alice@example.com", \
                 "to": "tel:+1234556789", \
                 "statusWebhook": "http://127.0.0.1:\(receiver.port)/vgw/status"\
            }
            """
        let curl = try await CampaigndProcess.runTool("/usr/bin/curl", [
            "-s", "-X", "POST", "--header", "Content-Type: application/json", "--header", "Accept: application/json",
            "-u", "crm:crm-secret-0123456789", "-d", body, "-w", "\n%{http_code}",
            "http://127.0.0.1:\(daemon.port)/vgw/outboundCalls/tenant1/startOutboundCall",
        ], in: work.path, timeout: 30)
        let lines = curl.stdout.split(separator: "\n")
        #expect(lines.last == "200", "\(curl.stdout)\n\(daemon.log)")
        let response = try #require(try JSONSerialization.jsonObject(with: Data((lines.first ?? "").utf8)) as? [String: Any])
        #expect(Set(response.keys) == ["vgwSessionID"], "\(response)")
        let session = try #require(response["vgwSessionID"] as? String)

        try await waitForState(receiver, session: session, "ended")
        #expect(callStates(receiver, session: session) == ["started", "ringing", "active", "ended"], "\(receiver.requests)")
        for notification in notifications(receiver, session: session) {
            let fields = notification["body"] as? [String: Any] ?? [:]
            // Only the two fields: no failureReason when nothing failed.
            #expect(Set(fields.keys) == ["vgwSessionID", "callState"], "\(fields)")
            #expect(notification["path"] as? String == "/vgw/status")
            let headers = notification["headers"] as? [String: String] ?? [:]
            #expect(headers["Content-Type"] == "application/json")
            #expect(headers["Authorization"] == nil, "no statusWebhookUsername: no credentials")
        }
        #expect(receiver.requests.count == 4)

        // The INVITE: the tel: URI's number to the tenant's trunk, from alice at example.com.
        #expect(await callee.waitForExit() == 0, "SIPp: \(callee.log)")
        let invite = try #require(callee.receivedInvites.first, "\(callee.messages)")
        #expect(invite.startLine == "INVITE sip:+1234556789@127.0.0.1:\(callee.port);user=phone SIP/2.0")
        let from = try #require(invite.header("From"))
        #expect(from.hasPrefix("<sip:alice@example.com>;tag="), "\(from)")
        #expect(invite.headers("Route").isEmpty)

        let record = try await daemon.cdr(campaign: "tenant1", conversationID: session, seconds: 20)
        #expect(record["status"] as? String == "completed", "\(record)")
        #expect(record["caller"] as? String == "alice")
        #expect(record["target"] as? String == "+1234556789")
    }

    @Test func aRouteCarriesTheCallAndTheWebhookGetsBasicCredentials() async throws {
        let scratch = try Workspace()
        // uas-mixed.xml: a Request-URI number ending in 6 is busy (486 at once), 1 rings and answers.
        let callee = try await SIPpCallee(scenario: "uas-mixed.xml", calls: 2, in: scratch.path)
        let receiver = try await WebhookReceiver(in: scratch.path, secret: "unused")
        // The tenant's trunk is a port nothing listens on: SIPp is reached only through the Route.
        let work = try workspace(trunkPort: try SIPpCallee.freeUDPPort())
        let daemon = try await APIDaemon(in: work.path)
        let hook = "http://127.0.0.1:\(receiver.port)/vgw/calls"
        let route = "<sip:127.0.0.1:\(callee.port);lr>, <sip:edge.example.com;lr>"
        let headers = ["Authorization": Self.basic, "Content-Type": "application/json", "Accept": "application/json"]
        let responses = try await daemon.send([
            Request("POST", "/vgw/outboundCalls/tenant1/startOutboundCall", headers: headers, body: """
                {"to": "tel:+15551230106", "from": "\\"Support Line\\" <sip:+15550003333@dialer.example.com:5070>",
                 "route": "\(route)", "statusWebhook": "\(hook)",
                 "statusWebhookUsername": "vgw", "statusWebhookPassword": "hook-pass",
                 "context": {"customerName": "Ada", "vgwIsOutboundCall": "Yes"},
                 "tenantConfig": {"config": {"stt": {"url": "https://stt.example.com"}}, "updateMethod": "merge"}}
                """),
            Request("POST", "/vgw/outboundCalls/tenant1/startOutboundCall", headers: headers, body: """
                {"to": "sip:+15551230101@unreachable.example.invalid", "from": "sip:+15550003333@dialer.example.com",
                 "route": "\(route)", "statusWebhook": "\(hook)",
                 "statusWebhookUsername": "vgw", "statusWebhookPassword": "hook-pass"}
                """),
        ])
        #expect(responses.map(\.status) == [200, 200], "\(responses.map(\.body))\n\(daemon.log)")
        let busy = try #require(responses[0].json["vgwSessionID"] as? String)
        let answered = try #require(responses[1].json["vgwSessionID"] as? String)
        #expect(busy != answered)

        try await waitForState(receiver, session: busy, "failed")
        try await waitForState(receiver, session: answered, "ended")
        // SIPp answers the busy call with 486 at once: no ringing.
        #expect(callStates(receiver, session: busy) == ["started", "failed"], "\(receiver.requests)")
        #expect(callStates(receiver, session: answered) == ["started", "ringing", "active", "ended"], "\(receiver.requests)")
        let failed = try #require(notifications(receiver, session: busy).last?["body"] as? [String: Any])
        #expect(failed["vgwSessionID"] as? String == busy)
        #expect(failed["callState"] as? String == "failed")
        #expect(failed["failureReason"] as? String == "486 Busy Here")
        #expect(failed.count == 3, "\(failed)")
        let started = try #require(notifications(receiver, session: busy).first?["body"] as? [String: Any])
        #expect(started.count == 2 && started["failureReason"] == nil)
        let credentials = "Basic " + Data("vgw:hook-pass".utf8).base64EncodedString()
        for notification in receiver.requests {
            #expect(notification["path"] as? String == "/vgw/calls")
            #expect((notification["headers"] as? [String: String])?["Authorization"] == credentials, "\(notification)")
        }
        #expect(receiver.requests.count == 6)

        // Both INVITEs came to SIPp through the Route set, with their Request-URIs elsewhere.
        #expect(await callee.waitForExit() == 0, "SIPp: \(callee.log)")
        let received = callee.receivedInvites
        #expect(received.count == 2, "\(callee.messages)")
        let busyInvite = try #require(received.first { $0.startLine.contains("+15551230106") })
        let answeredInvite = try #require(received.first { $0.startLine.contains("+15551230101") })
        #expect(busyInvite.startLine.hasPrefix("INVITE sip:+15551230106@127.0.0.1:") && busyInvite.startLine.hasSuffix(";user=phone SIP/2.0"))
        #expect(!busyInvite.startLine.contains(":\(callee.port);"), "the Request-URI names the trunk, not SIPp")
        #expect(answeredInvite.startLine == "INVITE sip:+15551230101@unreachable.example.invalid SIP/2.0")
        for invite in [busyInvite, answeredInvite] {
            #expect(invite.headers("Route") == ["<sip:127.0.0.1:\(callee.port);lr>", "<sip:edge.example.com;lr>"], "\(invite)")
        }
        let from = try #require(busyInvite.header("From"))
        #expect(from.hasPrefix("\"Support Line\" <sip:+15550003333@dialer.example.com:5070>;tag="), "\(from)")
        #expect(answeredInvite.header("From")?.hasPrefix("<sip:+15550003333@dialer.example.com>;tag=") == true)

        // context's variables and tenantConfig are kept with the call.
        let record = try await daemon.cdr(campaign: "tenant1", conversationID: busy, seconds: 20)
        let metadata = record["metadata"] as? [String: Any] ?? [:]
        #expect(metadata["customerName"] as? String == "Ada", "\(record)")
        #expect(metadata["vgwIsOutboundCall"] as? String == "Yes")
        #expect((metadata["tenantConfig"] as? [String: Any])?["updateMethod"] as? String == "merge")
        #expect(record["sipCode"] as? Int == 486)
        // The webhook's password is in no log line.
        #expect(!daemon.log.contains("hook-pass"))
    }

    /// The profile's webhook credentials and headers go to the profile's own webhook only: a
    /// `statusWebhook` the request names gets none of them.
    @Test func theProfilesWebhookCredentialsGoOnlyToItsOwnWebhook() async throws {
        let scratch = try Workspace()
        let callee = try await SIPpCallee(scenario: "uas-reject.xml.in", replacing: ["CODE": "486", "REASON": "Busy Here"], calls: 2,
                                          in: scratch.path)
        let receiver = try await WebhookReceiver(in: scratch.path, secret: "unused")
        let work = try Workspace()
        try work.write("campaignd.json", """
            {"trunks": [{"name": "gw", "host": "127.0.0.1", "port": \(callee.port)}],
             "sip": {"bindAddress": "127.0.0.1", "port": 0, "t1Ms": 100},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111", "timezone": "UTC", "window": {"start": "00:00", "end": "24:00"}},
             \(APIDaemon.apiSection(extra: """
                , "profiles": {"tenant2": {"trunk": "gw", "notifyUrl": "http://127.0.0.1:\(receiver.port)/profile",
                   "notifyUsername": "profile-user", "notifyPassword": "profile-pass", "notifyHeaders": {"X-Profile-Token": "t0ken"}}}
                """))}
            """)
        let daemon = try await APIDaemon(in: work.path)
        let headers = ["Authorization": Self.basic, "Content-Type": "application/json"]
        let responses = try await daemon.send([
            Request("POST", "/vgw/outboundCalls/tenant2/startOutboundCall", headers: headers, body: #"{"to": "tel:+15551230107"}"#),
            Request("POST", "/vgw/outboundCalls/tenant2/startOutboundCall", headers: headers,
                    body: #"{"to": "tel:+15551230108", "statusWebhook": "http://127.0.0.1:\#(receiver.port)/request"}"#),
        ])
        #expect(responses.map(\.status) == [200, 200], "\(responses.map(\.body))")
        let sessions = responses.compactMap { $0.json["vgwSessionID"] as? String }
        try #require(sessions.count == 2)
        for session in sessions { try await waitForState(receiver, session: session, "failed") }
        let toProfile = notifications(receiver, session: sessions[0])
        let toRequest = notifications(receiver, session: sessions[1])
        #expect(!toProfile.isEmpty && !toRequest.isEmpty, "\(receiver.requests)")
        let profileAuth = "Basic " + Data("profile-user:profile-pass".utf8).base64EncodedString()
        for request in toProfile {
            let sent = request["headers"] as? [String: String] ?? [:]
            #expect(request["path"] as? String == "/profile")
            #expect(sent["Authorization"] == profileAuth && sent["X-Profile-Token"] == "t0ken", "\(sent)")
        }
        for request in toRequest {
            let sent = request["headers"] as? [String: String] ?? [:]
            #expect(request["path"] as? String == "/request")
            #expect(sent["Authorization"] == nil && sent["X-Profile-Token"] == nil, "the profile's secrets went to the request's URL: \(sent)")
        }
    }

    @Test func eachDocumentedErrorHasItsStatusAndFailureReason() async throws {
        let work = try workspace(trunkPort: try SIPpCallee.freeUDPPort())
        let daemon = try await APIDaemon(in: work.path)
        let path = "/vgw/outboundCalls/tenant1/startOutboundCall"
        let json = ["Content-Type": "application/json"]
        let good = #"{"to": "tel:+15551230100"}"#
        func basic(_ user: String, _ password: String) -> [String: String] {
            ["Authorization": "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()].merging(json) { $1 }
        }
        let authorized = basic("crm", "crm-secret-0123456789")
        let cases: [(Request, Int, String)] = [
            (Request("POST", path, headers: json, body: good), 403, "HTTP Basic"),
            (Request("POST", path, headers: basic("crm", "wrong-secret-0123456789"), body: good), 403, "HTTP Basic"),
            // The key's secret as a Bearer token: IBM documents Basic only.
            (Request("POST", path, headers: APIDaemon.bearer.merging(json) { $1 }, body: good), 403, "HTTP Basic"),
            (Request("POST", path, headers: basic("viewer", "viewer-secret-0123456789"), body: good), 403, "scope calls"),
            (Request("POST", "/vgw/outboundCalls/tenant9/startOutboundCall", headers: authorized, body: good), 404, "tenant9"),
            (Request("POST", path, headers: authorized, body: #"{"from": "sip:alice@example.com"}"#), 400, "to is required"),
            (Request("POST", path, headers: authorized, body: #"{"to": "+15551230100"}"#), 400, "not a SIP or Tel URI"),
            (Request("POST", path, headers: authorized, body: #"{"to": "mailto:bob@example.com"}"#), 400, "not a SIP or Tel URI"),
            (Request("POST", path, headers: authorized, body: #"{"to": 15551230100}"#), 400, "to must be a string"),
            (Request("POST", path, headers: authorized, body: #"{"to": "tel:+1555"}"#), 400, "to:"),
            (Request("POST", path, headers: authorized, body: #"{"to": "tel:+15551230100", "from": "alice"}"#), 400, "from"),
            // The document's example body as printed (parentheses for braces) is not JSON.
            (Request("POST", path, headers: authorized, body: #"( "from": "sip:alice@example.com", "to": "tel:+1234556789" )"#), 400, "not JSON"),
            // … and its statusWebhook as printed has no host.
            (Request("POST", path, headers: authorized, body: #"{"to": "tel:+1234556789", "statusWebhook": "http:www.example.com"}"#),
             400, "statusWebhook:"),
            (Request("POST", path, headers: authorized, body: #"{"to": "tel:+1234556789", "route": "mailto:proxy"}"#), 400, "route"),
        ]
        let responses = try await daemon.send(cases.map(\.0))
        for ((request, status, words), response) in zip(cases, responses) {
            #expect(response.status == status, "\(request.path) \(request.body ?? ""): \(response.status) \(response.body)")
            #expect(Set(response.json.keys) == ["failureReason"], "\(response.body)")
            let reason = response.json["failureReason"] as? String ?? ""
            #expect(reason.contains(words), "\(request.body ?? ""): \(reason)")
            #expect(response.headers["content-type"]?.hasPrefix("application/json") == true)
        }
        // None of them was queued: the tenant's campaign has no contact in any state.
        let campaign = try await daemon.send(Request("GET", "/v1/campaigns/tenant1", headers: APIDaemon.bearer))
        let counts = try #require(campaign.json["counts"] as? [String: Int], "\(campaign.body)")
        #expect(!counts.isEmpty && counts.values.allSatisfy { $0 == 0 }, "\(counts)")
    }
}
