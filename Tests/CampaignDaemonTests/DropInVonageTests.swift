import Foundation
import Testing

/// Vonage AI Studio's `POST /telephony/make-call` (seed 001) served by campaignd: the documented curl
/// request against SIPp, the `status_url` callback of calls not picked up field by field (and none
/// for an answered call), and each documented error in its `{status, message}` shape, 500 included.
@Suite struct DropInVonageTests {
    typealias Request = APIDaemon.Request

    static let agent = "60c09d70e6a68858f4220848"
    static let vgaiKey = "vgai-key-0123456789abcdef"
    static let headers = ["X-Vgai-Key": vgaiKey, "Content-Type": "application/json"]

    /// A daemon whose agent profile calls through `trunkPort` as +15550004444.
    func daemon(trunkPort: Int, profile extra: String = "", in work: Workspace) async throws -> APIDaemon {
        try work.write("campaignd.json", """
            {"trunks": [{"name": "sipp", "host": "127.0.0.1", "port": \(trunkPort)}],
             "sip": {"bindAddress": "127.0.0.1", "port": 0, "t1Ms": 100},
             "defaults": {"defaultCountryCode": "1", "timezone": "UTC", "answerTimeoutSec": 5,
                          "window": {"start": "00:00", "end": "24:00"}},
             "api": {"listen": "127.0.0.1:0", "keys": [
                 {"name": "studio", "secret": "\(Self.vgaiKey)", "scopes": ["calls"]},
                 {"name": "crm", "secret": "crm-secret-0123456789", "scopes": ["calls", "campaigns", "read"]},
                 {"name": "viewer", "secret": "viewer-secret-0123456789", "scopes": ["read"]}],
               "profiles": {"\(Self.agent)": {"trunk": "sipp", "caller": "+15550004444"\(extra)}}}}
            """)
        return try await APIDaemon(in: work.path)
    }

    /// The callbacks received for `session`.
    func callbacks(_ receiver: WebhookReceiver, session: String) -> [[String: Any]] {
        receiver.requests.compactMap { $0["body"] as? [String: Any] }.filter { $0["conversation_uuid"] as? String == session }
    }

    /// Waits (at most 30 s) for a callback for `session`.
    func waitForCallback(_ receiver: WebhookReceiver, session: String) async throws -> [String: Any]? {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, callbacks(receiver, session: session).isEmpty { try await Task.sleep(for: .milliseconds(50)) }
        return callbacks(receiver, session: session).first
    }

    /// `2020-10-14T09:42:07.151657` read as UTC.
    func startTime(_ text: String) -> Date? {
        guard text.count == 26, text.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$"#, options: .regularExpression) != nil else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        guard let seconds = formatter.date(from: String(text.prefix(19))), let micros = Double(text.suffix(6)) else { return nil }
        return seconds.addingTimeInterval(micros / 1_000_000)
    }

    @Test func theDocumentedCurlRequestCallsAndABusyCalleeIsReportedToStatusURL() async throws {
        let work = try Workspace()
        // uas-mixed.xml: a number ending in 7 is busy (486), one ending in 1 answers and hangs up.
        let callee = try await SIPpCallee(scenario: "uas-mixed.xml", calls: 2, in: work.path)
        let receiver = try await WebhookReceiver(in: work.path, secret: "unused")
        let daemon = try await daemon(trunkPort: callee.port, in: work)
        let statusURL = "http://127.0.0.1:\(receiver.port)/ai-studio/status"

        // The documented curl request (host and key replaced), with a status_url.
        let before = Date()
        let curl = try await CampaigndProcess.runTool("/usr/bin/curl", [
            "--location", "--request", "POST", "http://127.0.0.1:\(daemon.port)/telephony/make-call",
            "--header", "X-Vgai-Key: \(Self.vgaiKey)", "--header", "Content-Type: application/json", "-s", "-w", "\n%{http_code}",
            "--data-raw", """
            {
            "agent_id": "\(Self.agent)",
            "to": "9725411116037",
            "hangup_on_answer_machine": false,
            "status_url": "\(statusURL)",
            "session_parameters":[
                {
                    "name": "PROPERTY_VALUE",
                    "value": "500"
                }
              ]
            }
            """,
        ], in: work.path, timeout: 30)
        let lines = curl.stdout.split(separator: "\n")
        #expect(lines.last == "200", "\(curl.stdout)\n\(daemon.log)")
        let response = try #require(try JSONSerialization.jsonObject(with: Data((lines.first ?? "").utf8)) as? [String: Any])
        #expect(Set(response.keys) == ["session_id", "session_start_time"], "\(response)")
        let session = try #require(response["session_id"] as? String)
        let started = try #require(startTime(response["session_start_time"] as? String ?? ""), "\(response)")
        #expect(started.timeIntervalSince(before) > -1 && started.timeIntervalSinceNow < 1, "UTC, when the call was accepted: \(response)")

        // Not picked up (busy): the callback, field by field.
        let callback = try #require(try await waitForCallback(receiver, session: session), "\(receiver.requests)\n\(daemon.log)")
        #expect(Set(callback.keys) == ["agent_id", "to", "conversation_uuid", "status", "timestamp"], "\(callback)")
        #expect(callback["agent_id"] as? String == Self.agent)
        #expect(callback["to"] as? String == "9725411116037")
        #expect(callback["conversation_uuid"] as? String == session)
        #expect(callback["status"] as? String == "busy")
        let record = try await daemon.cdr(campaign: Self.agent, conversationID: session)
        #expect(callback["timestamp"] as? String == record["disconnectTime"] as? String, "when the call ended: \(record)")
        #expect((callback["timestamp"] as? String)?.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#, options: .regularExpression) != nil)
        #expect(receiver.requests.first?["path"] as? String == "/ai-studio/status")
        #expect(record["sipCode"] as? Int == 486)
        #expect((record["metadata"] as? [String: Any])?["PROPERTY_VALUE"] as? String == "500", "\(record)")
        #expect(record["caller"] as? String == "+15550004444")

        // An answered call (a SIP destination, as the Example Query's, with AMD hanging up on machines)
        // sends nothing: once its CDR is written, no webhook is waiting or given up, and the receiver
        // has had none for it.
        let sip = "sip:15551230101@127.0.0.1:\(callee.port)"
        let answered = try await daemon.send(Request("POST", "/telephony/make-call", headers: Self.headers, body: """
            {"status_url": "\(statusURL)", "hangup_on_answer_machine": true,
             "session_parameters": [{"name": "CALLER_NAME", "value": "Diane Miller"}],
             "to": "\(sip)", "agent_id": "\(Self.agent)"}
            """))
        #expect(answered.status == 200, "\(answered.body)")
        let answeredSession = try #require(answered.json["session_id"] as? String)
        let answeredRecord = try await daemon.cdr(campaign: Self.agent, conversationID: answeredSession)
        #expect(answeredRecord["status"] as? String == "completed", "\(answeredRecord)\n\(daemon.log)")
        #expect((answeredRecord["metadata"] as? [String: Any])?["CALLER_NAME"] as? String == "Diane Miller")
        #expect(answeredRecord["machineDetection"] is String, "hangup_on_answer_machine: AMD listened to the answered call")
        let status = try await daemon.send(Request("GET", "/v1/status", headers: APIDaemon.bearer))
        let webhooks = try #require(status.json["webhooks"] as? [String: Any], "\(status.body)")
        #expect(webhooks["pending"] as? Int == 0 && webhooks["failed"] as? Int == 0, "\(webhooks)")
        #expect(callbacks(receiver, session: answeredSession).isEmpty)
        #expect(receiver.requests.count == 1, "\(receiver.requests)")

        #expect(await callee.waitForExit() == 0, "SIPp: \(callee.log)")
        let invites = callee.receivedInvites.map(\.startLine)
        #expect(invites.contains("INVITE sip:+9725411116037@127.0.0.1:\(callee.port);user=phone SIP/2.0"), "\(invites)")
        #expect(invites.contains("INVITE \(sip) SIP/2.0"), "\(invites)")
        #expect(callee.messages.contains("From: <sip:+15550004444@"), "the agent's number calls")
    }

    @Test func aDeclinedCallIsRejectedAndOneRingingPastTheRingTimeTimesOut() async throws {
        let work = try Workspace()
        // uas-mixed.xml: 9 answers 603 Decline, 8 rings until our CANCEL.
        let callee = try await SIPpCallee(scenario: "uas-mixed.xml", calls: 2, in: work.path)
        let receiver = try await WebhookReceiver(in: work.path, secret: "unused")
        let daemon = try await daemon(trunkPort: callee.port, profile: #", "answerTimeoutSec": 1"#, in: work)
        let statusURL = "http://127.0.0.1:\(receiver.port)/status"
        let responses = try await daemon.send([
            Request("POST", "/telephony/make-call", headers: Self.headers,
                    body: #"{"agent_id": "\#(Self.agent)", "to": "15551230109", "status_url": "\#(statusURL)"}"#),
            Request("POST", "/telephony/make-call", headers: Self.headers,
                    body: #"{"agent_id": "\#(Self.agent)", "to": "15551230108", "status_url": "\#(statusURL)"}"#),
        ])
        #expect(responses.map(\.status) == [200, 200], "\(responses.map(\.body))")
        let declined = try #require(responses[0].json["session_id"] as? String)
        let unanswered = try #require(responses[1].json["session_id"] as? String)
        for (session, to, status) in [(declined, "15551230109", "rejected"), (unanswered, "15551230108", "timeout")] {
            let callback = try #require(try await waitForCallback(receiver, session: session), "\(receiver.requests)")
            #expect(callback["agent_id"] as? String == Self.agent)
            #expect(callback["to"] as? String == to)
            #expect(callback["conversation_uuid"] as? String == session)
            #expect(callback["status"] as? String == status, "\(callback)")
            #expect(callback["timestamp"] is String)
            #expect(callback.count == 5)
        }
        #expect(receiver.requests.count == 2)
        #expect(await callee.waitForExit() == 0, "SIPp: \(callee.log)")
    }

    @Test func eachDocumentedErrorHasItsStatusAndMessage() async throws {
        let work = try Workspace()
        let daemon = try await daemon(trunkPort: try SIPpCallee.freeUDPPort(), in: work)
        let good = #"{"agent_id": "\#(Self.agent)", "to": "9725411116037"}"#
        func request(_ body: String, headers: [String: String] = Self.headers) -> Request {
            Request("POST", "/telephony/make-call", headers: headers, body: body)
        }
        let json = ["Content-Type": "application/json"]
        let cases: [(Request, Int, String)] = [
            (request(good, headers: json), 401, "Not Authorised"),
            (request(good, headers: json.merging(["X-Vgai-Key": "Cuub4r22PXb0zYzJ2dt82KUZLKjo0z7"]) { $1 }), 401, "Not Authorised"),
            (request(good, headers: json.merging(APIDaemon.bearer) { $1 }), 401, "Not Authorised"),
            (request(good, headers: json.merging(["X-Vgai-Key": "viewer-secret-0123456789"]) { $1 }), 401, "Not Authorised"),
            (request(#"{"agent_id": "5f1d7a3b2c4e6f8091a2b3c4", "to": "9725411116037"}"#), 404,
             "Version information for number 5f1d7a3b2c4e6f8091a2b3c4 doesn't exist"),
            (request(#"{"agent_id": "\#(Self.agent)", "to": "+9725411116037"}"#), 400, "Bad destination number format"),
            (request(#"{"agent_id": "\#(Self.agent)", "to": "972-54-111-6037"}"#), 400, "Bad destination number format"),
            (request(#"{"agent_id": "\#(Self.agent)", "to": "Diane Miller"}"#), 400, "Bad destination number format"),
            (request(#"{"agent_id": "\#(Self.agent)", "to": "97254"}"#), 400, "Bad destination number format"),
            (request(#"{"agent_id": "\#(Self.agent)", "to": "sip:@"}"#), 400, "Bad destination number format"),
            (request(#"{"agent_id": "\#(Self.agent)"}"#), 400, "Bad destination number format"),
            (request(#"{"agent_id": "\#(Self.agent)", "to": 9725411116037}"#), 400, "Bad destination number format"),
            // The document's Example Query as printed: no comma after session_parameters' "]".
            (request("""
                {
                  "status_url": "string",
                  "hangup_on_answer_machine": false,
                  "session_parameters": [
                    {
                      "name": "string",
                      "value": "string"
                    }
                  ]
                  "to": "sip:sipnumber@sipaddress",
                  "agent_id": "\(Self.agent)"
                }
                """), 400, "not JSON"),
            // … with the comma, its status_url "string" is not a URL.
            (request(#"{"status_url": "string", "to": "sip:sipnumber@sipaddress", "agent_id": "\#(Self.agent)"}"#), 400, "status_url:"),
            (request(#"{"agent_id": "\#(Self.agent)", "to": "9725411116037", "session_parameters": {"name": "x"}}"#), 400, "session_parameters"),
            (request(#"{"agent_id": "\#(Self.agent)", "to": "9725411116037", "hangup_on_answer_machine": "no"}"#), 400,
             "hangup_on_answer_machine"),
            (request(#"{"to": "9725411116037"}"#), 400, "agent_id"),
        ]
        let responses = try await daemon.send(cases.map(\.0))
        for ((request, status, words), response) in zip(cases, responses) {
            #expect(response.status == status, "\(request.body ?? ""): \(response.status) \(response.body)")
            #expect(Set(response.json.keys) == ["status", "message"], "\(response.body)")
            #expect(response.json["status"] as? Int == status)
            let message = response.json["message"] as? String ?? ""
            #expect(status == 400 && words != "Bad destination number format" ? message.contains(words) : message == words,
                    "\(request.body ?? ""): \(message)")
        }
        let campaign = try await daemon.send(Request("GET", "/v1/campaigns/\(Self.agent)", headers: APIDaemon.bearer))
        let counts = try #require(campaign.json["counts"] as? [String: Int], "\(campaign.body)")
        #expect(!counts.isEmpty && counts.values.allSatisfy { $0 == 0 }, "none was queued: \(counts)")
    }

    @Test func aCallThatCannotBeQueuedGets500() async throws {
        let work = try Workspace()
        let daemon = try await daemon(trunkPort: try SIPpCallee.freeUDPPort(), in: work)
        // The store refuses new contacts: a trigger another process adds makes every INSERT fail
        // (SQLite's own error, through campaignd's real write path). Holding the database's lock
        // instead would also stop the dispatcher, whose writes fail the same way, and the daemon.
        func sql(_ statement: String) async throws {
            let result = try await CampaigndProcess.runTool("/usr/bin/python3", ["-c", """
                import sqlite3, sys
                db = sqlite3.connect(sys.argv[1], timeout=10, isolation_level=None)
                db.execute(sys.argv[2])
                db.close()
                """, work.path + "/var/campaignd.db", statement], in: work.path, timeout: 30)
            try #require(result.exitCode == 0, "\(result.stderr)")
        }
        let body = #"{"agent_id": "\#(Self.agent)", "to": "9725411116037"}"#
        try await sql("CREATE TRIGGER refuse_contacts BEFORE INSERT ON contacts BEGIN SELECT RAISE(ABORT, 'no space for contacts'); END")
        let refused = try await daemon.send(Request("POST", "/telephony/make-call", headers: Self.headers, body: body))
        #expect(refused.status == 500, "\(refused.body)")
        #expect(refused.json["status"] as? Int == 500)
        #expect(refused.json["message"] as? String == "Failed to fetch preconfigured session information")
        #expect(refused.json.count == 2)
        #expect(daemon.log.contains("no space for contacts"), "the store's error is logged")

        // Once the store takes contacts again the same request is accepted.
        try await sql("DROP TRIGGER refuse_contacts")
        let accepted = try await daemon.send(Request("POST", "/telephony/make-call", headers: Self.headers, body: body))
        #expect(accepted.status == 200, "\(accepted.body)\n\(daemon.log.suffix(2000))")
    }
}
