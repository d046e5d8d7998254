import Foundation
import Testing
@testable import CampaignDaemon

/// The HTTP API of `campaignd run`, driven by Python's http.client as a user's program would.
@Suite struct APITests {
    typealias Request = APIDaemon.Request

    /// A configuration whose trunk is a UDP port nothing listens on (calls fail fast), with the API.
    func workspace(apiExtra: String = "", trunkPort: Int? = nil) throws -> Workspace {
        let directory = try Workspace()
        let port = try trunkPort ?? SIPpCallee.freeUDPPort()
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "sipp", "host": "127.0.0.1", "port": \(port)}],
             "sip": {"bindAddress": "127.0.0.1", "port": 0, "t1Ms": 100},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111", "timezone": "UTC", "answerTimeoutSec": 2,
                          "window": {"start": "00:00", "end": "24:00"}, "maxRetryNo": 0},
             \(APIDaemon.apiSection(extra: apiExtra))}
            """)
        return directory
    }

    @Test func authenticationAndErrorStatuses() async throws {
        let directory = try workspace(apiExtra: #", "maxBodyBytes": 2048"#)
        let daemon = try await APIDaemon(in: directory.path)
        let call = #"{"target": "5551230001"}"#
        let json = APIDaemon.jsonType
        let responses = try await daemon.send([
            Request("GET", "/healthz"),
            Request("POST", "/v1/calls", headers: json, body: call),
            Request("POST", "/v1/calls", headers: json.merging(["Authorization": "Bearer wrong-secret-0123456789"]) { $1 }, body: call),
            Request("POST", "/v1/calls", headers: json.merging(["Authorization": "Basic " + Data("crm:viewer-secret-0123456789".utf8).base64EncodedString()]) { $1 }, body: call),
            Request("POST", "/v1/calls", headers: json.merging(["Authorization": "Bearer viewer-secret-0123456789"]) { $1 }, body: call),
            Request("GET", "/v1/nothing", headers: APIDaemon.bearer),
            Request("DELETE", "/v1/calls", headers: APIDaemon.bearer),
            Request("POST", "/v1/calls", headers: APIDaemon.bearer.merging(["Content-Type": "text/plain"]) { $1 }, body: call),
            Request("POST", "/v1/calls", headers: APIDaemon.bearer.merging(json) { $1 }, body: "{\"target\": "),
            Request("POST", "/v1/calls", headers: APIDaemon.bearer.merging(json) { $1 }, body: #"{"target": "call me", "machineDetection": "maybe", "colour": 1}"#),
            Request("GET", "/v1/calls/999999", headers: APIDaemon.bearer),
            Request("POST", "/v1/calls", headers: ["Authorization": "Basic " + Data("crm:crm-secret-0123456789".utf8).base64EncodedString()].merging(json) { $1 }, body: call),
            Request("POST", "/v1/calls", headers: APIDaemon.bearer.merging(json) { $1 }, body: #"{"target": "5551230002", "pad": ""# + String(repeating: "x", count: 4000) + "\"}"),
        ])
        #expect(responses[0].status == 200 && responses[0].json["status"] as? String == "ok")
        #expect(responses[1].status == 401 && responses[1].errorCode == "unauthorized")
        #expect(responses[1].headers["www-authenticate"]?.contains("Bearer") == true)
        #expect(responses[2].status == 401, "a wrong secret")
        #expect(responses[3].status == 401, "crm's name with viewer's secret")
        #expect(responses[4].status == 403 && responses[4].errorCode == "forbidden", "viewer may only read")
        #expect(responses[5].status == 404 && responses[5].errorCode == "not-found")
        #expect(responses[6].status == 405 && responses[6].headers["allow"] == "POST")
        #expect(responses[7].status == 415 && responses[7].errorCode == "unsupported-media-type")
        #expect(responses[8].status == 400 && responses[8].errorCode == "invalid-json")
        let invalid = responses[9]
        #expect(invalid.status == 422 && invalid.errorCode == "validation-failed")
        let details = ((invalid.json["error"] as? [String: Any])?["details"] as? [[String: Any]]) ?? []
        #expect(Set(details.compactMap { $0["field"] as? String }) == ["target", "machineDetection", "colour"], "\(invalid.body)")
        #expect(details.allSatisfy { $0["line"] as? Int == 1 && !($0["message"] as? String ?? "").isEmpty })
        #expect(responses[10].status == 404)
        #expect(responses[11].status == 201, "Basic with the key's name and secret: \(responses[11].body)")
        #expect(responses[12].status == 413 && responses[12].errorCode == "body-too-large")

        // The per-request log line names the key, never a secret.
        let log = daemon.log
        #expect(log.contains("api request method=POST path=/v1/calls status=201 key=crm"))
        #expect(log.contains("status=403 key=viewer"))
        #expect(!log.contains("secret-0123456789"))
    }

    @Test func aTooLongIdempotencyKeyIsRefusedOnEveryPostAndNothingIsWritten() async throws {
        let directory = try workspace()
        let daemon = try await APIDaemon(in: directory.path)
        let csv = APIDaemon.bearer.merging(["Content-Type": "text/csv"]) { $1 }
        let tooLong = ["Idempotency-Key": String(repeating: "k", count: 256)]
        let responses = try await daemon.send([
            Request("POST", "/v1/campaigns?id=spring", headers: csv, body: "target\n5551230020\n"),
            Request("POST", "/v1/calls", headers: APIDaemon.bearer.merging(APIDaemon.jsonType) { $1 }.merging(tooLong) { $1 },
                    body: #"{"target": "5551230021", "campaign": "spring"}"#),
            Request("POST", "/v1/campaigns?id=autumn", headers: csv.merging(tooLong) { $1 }, body: "target\n5551230022\n"),
            Request("POST", "/v1/campaigns/spring/contacts", headers: csv.merging(tooLong) { $1 }, body: "target\n5551230023\n"),
            Request("GET", "/v1/campaigns/spring", headers: APIDaemon.bearer),
            Request("GET", "/v1/campaigns/autumn", headers: APIDaemon.bearer),
        ])
        #expect(responses[0].status == 201, "\(responses[0].body)")
        for refused in responses[1...3] {
            #expect(refused.status == 400 && refused.errorCode == "bad-request", "\(refused.body)")
            #expect((refused.json["error"] as? [String: Any])?["message"] as? String == "Idempotency-Key must be 1 to 255 characters")
        }
        #expect(responses[5].status == 404, "\(responses[5].body)")
        #expect(responses[4].json["total"] as? Int == 1, "spring still has its one contact: \(responses[4].body)")
    }

    @Test func callsAreQueuedOnceWithAnIdempotencyKey() async throws {
        let directory = try workspace()
        let daemon = try await APIDaemon(in: directory.path)
        let headers = APIDaemon.bearer.merging(APIDaemon.jsonType) { $1 }
        let keyed = headers.merging(["Idempotency-Key": "order-17"]) { $1 }
        let body = #"{"target": "+1 555 123 0003", "metadata": {"order": 17}, "machineDetection": "detect"}"#
        let responses = try await daemon.send([
            Request("POST", "/v1/calls", headers: keyed, body: body),
            Request("POST", "/v1/calls", headers: keyed, body: body),
            Request("POST", "/v1/calls", headers: keyed, body: #"{"target": "5551230004"}"#),
            Request("POST", "/v1/calls", headers: headers.merging(["Idempotency-Key": "order-18"]) { $1 }, body: body),
            Request("POST", "/v1/calls", headers: headers, body: #"{"target": "5551230005", "campaign": "api"}"#),
            Request("POST", "/v1/calls", headers: headers, body: #"{"target": "5551230006", "campaign": "nope"}"#),
            Request("POST", "/v1/calls", headers: headers, body: #"{"target": "5551230007", "campaign": "api", "maxRetryNo": 3}"#),
        ])
        let first = responses[0]
        #expect(first.status == 201, "\(first.body)")
        let id = try #require(first.json["id"] as? String)
        #expect(first.json["state"] as? String == "queued")
        #expect((first.json["conversationId"] as? String)?.count == 36)
        #expect(first.headers["location"] == "/v1/calls/\(id)")
        #expect(responses[1].status == 201 && responses[1].body == first.body, "the same key and request: the first response")
        #expect(responses[1].headers["idempotent-replayed"] == "true")
        #expect(responses[2].status == 409 && responses[2].errorCode == "idempotency-key-reused")
        #expect(responses[3].status == 201 && responses[3].json["id"] as? String != id, "another key is another call")
        #expect(responses[3].json["campaign"] as? String == first.json["campaign"] as? String, "the same settings share a campaign")
        #expect(responses[4].status == 201 && responses[4].json["campaign"] as? String == "api")
        #expect(responses[5].status == 422, "\(responses[5].body)")
        #expect(responses[6].status == 422, "settings with a campaign: \(responses[6].body)")

        // Only two calls with that body exist; the first is read back with its number normalised.
        let call = try await daemon.send(Request("GET", "/v1/calls/\(id)", headers: APIDaemon.bearer))
        #expect(call.status == 200)
        #expect(call.json["target"] as? String == "+15551230003")
        #expect(call.json["conversationId"] as? String == first.json["conversationId"] as? String)
        let campaigns = try await daemon.send(Request("GET", "/v1/campaigns", headers: APIDaemon.bearer)).json["campaigns"] as? [[String: Any]] ?? []
        let totals = Dictionary(uniqueKeysWithValues: campaigns.map { ($0["id"] as? String ?? "", $0["total"] as? Int ?? -1) })
        #expect(totals["api"] == 1)
        #expect(totals[first.json["campaign"] as? String ?? ""] == 2)
    }

    @Test func campaignsAreImportedAllOrNothingAndControlled() async throws {
        let directory = try workspace()
        let daemon = try await APIDaemon(in: directory.path)
        let csv = APIDaemon.bearer.merging(["Content-Type": "text/csv"]) { $1 }
        let json = APIDaemon.bearer.merging(APIDaemon.jsonType) { $1 }
        let responses = try await daemon.send([
            // Line 3's number is not one; line 4's time zone is not one either: nothing is imported.
            Request("POST", "/v1/campaigns?id=spring", headers: csv, body: "target,timezone,name\n5551230010,,Ann\nnot-a-number,,Bob\n5551230012,Mars/Base,Cy\n"),
            Request("GET", "/v1/campaigns/spring", headers: APIDaemon.bearer),
            Request("POST", "/v1/campaigns", headers: csv, body: "target\n5551230010\n"),
            Request("POST", "/v1/campaigns?id=spring", headers: csv, body: "target,name\n5551230010,Ann\n5551230011,Bob\n"),
            Request("POST", "/v1/campaigns/spring/pause", headers: json),
            Request("GET", "/v1/campaigns/spring", headers: APIDaemon.bearer),
            Request("POST", "/v1/campaigns/spring/contacts", headers: json, body: #"{"contacts": [{"target": "5551230011"}, {"target": "5551230013"}]}"#),
            Request("POST", "/v1/campaigns", headers: json, body: #"{"id": "summer", "window": {"start": "25:00"}, "contacts": [{"target": "5551230020"}]}"#),
            Request("POST", "/v1/campaigns", headers: json, body: #"{"id": "summer", "maxRetryNo": 1, "contacts": [{"target": "5551230020"}]}"#),
            Request("POST", "/v1/campaigns/spring/cancel", headers: json),
            Request("POST", "/v1/campaigns/spring/contacts", headers: csv, body: "target\n5551230014\n"),
            Request("POST", "/v1/campaigns/nope/pause", headers: json),
            Request("GET", "/v1/campaigns", headers: APIDaemon.bearer),
        ])
        let rejected = responses[0]
        #expect(rejected.status == 422, "\(rejected.body)")
        let details = ((rejected.json["error"] as? [String: Any])?["details"] as? [[String: Any]]) ?? []
        #expect(details.compactMap { $0["line"] as? Int } == [3, 4], "\(rejected.body)")
        #expect(details.compactMap { $0["field"] as? String } == ["target", "timezone"], "\(rejected.body)")
        #expect(responses[1].status == 404, "nothing of the rejected upload was imported")
        #expect(responses[2].status == 422, "a CSV without ?id=")
        #expect(responses[3].status == 201 && responses[3].json["contactsAdded"] as? Int == 2, "\(responses[3].body)")
        #expect(responses[4].status == 200 && responses[4].json["state"] as? String == "paused")
        let shown = responses[5].json
        #expect(shown["state"] as? String == "paused" && shown["total"] as? Int == 2)
        let counts = shown["counts"] as? [String: Int] ?? [:]
        #expect(counts.values.reduce(0, +) == 2, "every contact is counted in one state: \(counts)")
        let calls = shown["calls"] as? [String: Any] ?? [:]
        #expect(calls["perMinute"] is Int && calls["finished"] is Int && calls["answered"] is Int && calls["answerRate"] is Double,
                "the campaign's calls: \(responses[5].body)")
        #expect((calls["amd"] as? [String: Int])?.keys.sorted()
                == ["amd_decision_timeout", "amd_fax_detected", "amd_human_detected", "amd_machine_detected", "amd_no_speech_detected"],
                "\(responses[5].body)")
        #expect((calls["abandonment"] as? [String: Any])?["rateLast30Days"] is Double, "\(responses[5].body)")
        #expect(responses[6].status == 200 && responses[6].json["contactsAdded"] as? Int == 1
                && responses[6].json["contactsAlreadyPresent"] as? Int == 1, "\(responses[6].body)")
        let window = responses[7]
        #expect(window.status == 422 && window.body.contains("window"), "\(window.body)")
        #expect(responses[8].status == 201 && responses[8].json["id"] as? String == "summer")
        #expect(responses[9].status == 200 && responses[9].json["state"] as? String == "cancelled")
        #expect(responses[10].status == 409 && responses[10].errorCode == "campaign-cancelled")
        #expect(responses[11].status == 404)
        let listed = (responses[12].json["campaigns"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(listed.contains("spring") && listed.contains("summer"))
    }

    @Test func doNotCallList() async throws {
        let directory = try workspace()
        let daemon = try await APIDaemon(in: directory.path)
        let json = APIDaemon.bearer.merging(APIDaemon.jsonType) { $1 }
        let responses = try await daemon.send([
            Request("POST", "/v1/dnc", headers: json, body: #"{"targets": ["555-123-0030", "+15551230031"], "source": "complaint"}"#),
            Request("POST", "/v1/dnc", headers: json, body: #"{"targets": ["nonsense"]}"#),
            Request("GET", "/v1/dnc", headers: APIDaemon.bearer),
            Request("POST", "/v1/calls", headers: json, body: #"{"target": "5551230030"}"#),
            Request("DELETE", "/v1/dnc/%2B15551230030", headers: APIDaemon.bearer),
            Request("DELETE", "/v1/dnc/%2B15551230030", headers: APIDaemon.bearer),
            Request("POST", "/v1/calls", headers: json, body: #"{"target": "5551230030"}"#),
            Request("DELETE", "/v1/dnc/%2B15551230031", headers: ["Authorization": "Bearer viewer-secret-0123456789"]),
        ])
        #expect(responses[0].status == 200 && responses[0].json["added"] as? Int == 2)
        #expect(responses[1].status == 422)
        let entries = responses[2].json["entries"] as? [[String: Any]] ?? []
        #expect(entries.compactMap { $0["target"] as? String } == ["+15551230030", "+15551230031"])
        #expect(entries.first?["source"] as? String == "complaint")
        #expect(responses[3].status == 422 && responses[3].errorCode == "on-dnc-list")
        #expect(responses[4].status == 200)
        #expect(responses[5].status == 404)
        #expect(responses[6].status == 201)
        #expect(responses[7].status == 403)
    }

    @Test func validateTrueChecksAnUploadAsAnImportWouldAndImportsNothing() async throws {
        let directory = try workspace()
        let daemon = try await APIDaemon(in: directory.path)
        let csv = APIDaemon.bearer.merging(["Content-Type": "text/csv"]) { $1 }
        let json = APIDaemon.bearer.merging(APIDaemon.jsonType) { $1 }
        let responses = try await daemon.send([
            Request("POST", "/v1/campaigns?id=spring&validate=true", headers: csv,
                    body: "target,timezone\n5551230010,\nnot-a-number,\n5551230012,Mars/Base\n"),
            Request("POST", "/v1/campaigns?id=spring&validate=true", headers: csv, body: "target\n5551230010\n5551230011\n5551230010\n"),
            Request("GET", "/v1/campaigns/spring", headers: APIDaemon.bearer),
            Request("POST", "/v1/campaigns?validate=true", headers: json, body: #"{"id": "summer", "window": {"start": "25:00"}}"#),
            Request("POST", "/v1/campaigns?id=spring&validate=maybe", headers: csv, body: "target\n5551230010\n"),
            Request("POST", "/v1/campaigns?id=spring", headers: csv, body: "target\n5551230010\n"),
            Request("POST", "/v1/campaigns/spring/contacts?validate=true", headers: csv, body: "target\n5551230011\nnope\n"),
            Request("POST", "/v1/campaigns/spring/contacts?validate=1", headers: csv, body: "target\n5551230011\n"),
            Request("POST", "/v1/campaigns/nope/contacts?validate=true", headers: csv, body: "target\n5551230011\n"),
            Request("GET", "/v1/campaigns/spring", headers: APIDaemon.bearer),
        ])
        let rejected = responses[0]
        #expect(rejected.status == 422, "\(rejected.body)")
        let details = ((rejected.json["error"] as? [String: Any])?["details"] as? [[String: Any]]) ?? []
        #expect(details.compactMap { $0["line"] as? Int } == [3, 4], "\(rejected.body)")
        #expect(details.compactMap { $0["field"] as? String } == ["target", "timezone"], "\(rejected.body)")
        let valid = responses[1]
        #expect(valid.status == 200 && valid.json["valid"] as? Bool == true && valid.json["imported"] as? Bool == false, "\(valid.body)")
        #expect(valid.json["id"] as? String == "spring" && valid.json["campaignExists"] as? Bool == false)
        #expect(valid.json["contacts"] as? Int == 2 && valid.json["duplicatesInRequest"] as? Int == 1, "\(valid.body)")
        #expect(responses[2].status == 404, "a valid upload validated only is not imported")
        #expect(responses[3].status == 422 && responses[3].body.contains("window"), "\(responses[3].body)")
        #expect(responses[4].status == 400, "\(responses[4].body)")
        #expect(responses[5].status == 201)
        let badContacts = responses[6]
        let contactDetails = ((badContacts.json["error"] as? [String: Any])?["details"] as? [[String: Any]]) ?? []
        #expect(badContacts.status == 422 && contactDetails.compactMap { $0["line"] as? Int } == [3], "\(badContacts.body)")
        #expect(responses[7].status == 200 && responses[7].json["campaignExists"] as? Bool == true && responses[7].json["contacts"] as? Int == 1,
                "\(responses[7].body)")
        #expect(responses[8].status == 404, "\(responses[8].body)")
        #expect(responses[9].json["total"] as? Int == 1, "validated contacts were not appended: \(responses[9].body)")
    }

    @Test func aCampaignShowsItsSettingsAndTheNewestCDRsCanBeAskedFor() async throws {
        let directory = try workspace()
        // CDR lines as the writer leaves them, in an old day's file (the daemon writes today's).
        let lines = (1...5).map { #"{"cdrId":"c\#($0)","campaignId":"\#($0 % 2 == 0 ? "spring" : "summer")","target":"+1555123000\#($0)","status":"failed"}"# }
        try directory.write("var/cdr/cdr-2000-01-01.jsonl", lines.joined(separator: "\n") + "\n")
        let daemon = try await APIDaemon(in: directory.path)
        let json = APIDaemon.bearer.merging(APIDaemon.jsonType) { $1 }
        let responses = try await daemon.send([
            Request("POST", "/v1/campaigns", headers: json, body: #"{"id": "spring", "maxRetryNo": 2, "contacts": [{"target": "5551230020"}]}"#),
            Request("GET", "/v1/campaigns/spring", headers: APIDaemon.bearer),
            Request("GET", "/v1/campaigns", headers: APIDaemon.bearer),
            Request("GET", "/v1/cdrs?last=2", headers: APIDaemon.bearer),
            Request("GET", "/v1/cdrs?campaign=summer&last=2&format=csv", headers: APIDaemon.bearer),
            Request("GET", "/v1/cdrs?campaign=spring&last=10", headers: APIDaemon.bearer),
            Request("GET", "/v1/cdrs?last=0", headers: APIDaemon.bearer),
            Request("GET", "/v1/cdrs?last=many", headers: APIDaemon.bearer),
        ])
        #expect(responses[0].status == 201, "\(responses[0].body)")
        let settings = responses[1].json["settings"] as? [String: Any] ?? [:]
        #expect(settings["maxRetryNo"] as? Int == 2, "the campaign's own setting: \(responses[1].body)")
        #expect(settings["defaultCountryCode"] as? String == "1", "a default applied: \(responses[1].body)")
        #expect((responses[2].json["campaigns"] as? [[String: Any]])?.allSatisfy { $0["settings"] == nil } == true, "the list has no settings")
        let ids = { (body: String) in body.split(separator: "\n").compactMap { line in
            ((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any])?["cdrId"] as? String } }
        #expect(ids(responses[3].body) == ["c4", "c5"], "the newest two: \(responses[3].body)")
        let csv = responses[4].body.split(separator: "\n")
        #expect(csv.count == 3 && csv[0].hasPrefix("outboundCall,cdrId,") && csv[1].contains(",c3,") && csv[2].contains(",c5,"),
                "the newest two of summer as CSV: \(responses[4].body)")
        #expect(ids(responses[5].body) == ["c2", "c4"], "fewer than asked for: all of them: \(responses[5].body)")
        #expect(responses[6].status == 400 && responses[7].status == 400)
    }

    @Test func statusReportsTheVersionTrunksCallsAndWebhookBacklog() async throws {
        let directory = try workspace()
        let daemon = try await APIDaemon(in: directory.path)
        let responses = try await daemon.send([
            Request("GET", "/v1/status", headers: APIDaemon.bearer),
            Request("GET", "/v1/status"),
        ])
        let version = try await CampaigndProcess.run(["--version"], in: directory.path)
        let status = responses[0]
        #expect(status.status == 200, "\(status.body)")
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "campaignd " + (status.json["version"] as? String ?? "?"),
                "the version --version prints: \(status.body)")
        #expect(status.json["callsInProgress"] as? Int == 0)
        let trunks = status.json["trunks"] as? [[String: Any]] ?? []
        #expect(trunks.count == 1 && trunks.first?["name"] as? String == "sipp" && trunks.first?["registration"] as? String == "not-registering"
                && trunks.first?["ratePerSecond"] is NSNull, "\(status.body)")
        let webhooks = status.json["webhooks"] as? [String: Any] ?? [:]
        #expect(webhooks["pending"] as? Int == 0 && webhooks["failed"] as? Int == 0 && (webhooks["byCampaign"] as? [Any])?.isEmpty == true,
                "\(status.body)")
        #expect(responses[1].status == 401, "status needs a key")
    }

    @Test func statusShowsATrunksRateLoweredByA503() async throws {
        let scratch = try Workspace()
        let callee = try await SIPpCallee(scenario: "uas-reject.xml.in", replacing: ["CODE": "503", "REASON": "Service Unavailable"],
                                          in: scratch.path)
        let directory = try workspace(trunkPort: callee.port)
        let daemon = try await APIDaemon(in: directory.path)
        let before = try await daemon.send(Request("GET", "/v1/status", headers: APIDaemon.bearer))
        #expect((before.json["trunks"] as? [[String: Any]])?.first?["ratePerSecond"] is NSNull, "\(before.body)")
        let created = try await daemon.send(Request("POST", "/v1/calls", headers: APIDaemon.bearer.merging(APIDaemon.jsonType) { $1 },
                                                    body: #"{"target": "5551230300"}"#))
        #expect(created.status == 201, "\(created.body)")
        var status = before
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            status = try await daemon.send(Request("GET", "/v1/status", headers: APIDaemon.bearer))
            if (status.json["trunks"] as? [[String: Any]])?.first?["ratePerSecond"] is Double { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let limit = status.json["dialoutLimitPerSecond"] as? Double ?? 0
        #expect((status.json["trunks"] as? [[String: Any]])?.first?["ratePerSecond"] as? Double == limit / 2,
                "a 503 halves the trunk's rate: \(status.body)")
        #expect(await callee.waitForExit() == 0, "SIPp's scenario: \(callee.log)")
    }

    /// Creates campaign `spring` with one contact, `target`, and kills the daemon while the call rings
    /// on the silent trunk: at the restart (done here) the contact is interrupted.
    func interruptCall(to target: String, daemon: APIDaemon) async throws {
        let csv = APIDaemon.bearer.merging(["Content-Type": "text/csv"]) { $1 }
        let created = try await daemon.send(Request("POST", "/v1/campaigns?id=spring", headers: csv, body: "target\n\(target)\n"))
        #expect(created.status == 201, "\(created.body)")
        var dialing = 0
        let deadline = Date().addingTimeInterval(20)
        while dialing == 0, Date() < deadline {
            let shown = try await daemon.send(Request("GET", "/v1/campaigns/spring", headers: APIDaemon.bearer))
            dialing = (shown.json["counts"] as? [String: Int])?["dialing"] ?? 0
            if dialing == 0 { try await Task.sleep(for: .milliseconds(20)) }
        }
        try #require(dialing == 1, "the call never started")
        daemon.kill9()
        try await daemon.restart()
    }

    @Test func interruptedContactsAreRequeuedOnRequest() async throws {
        let directory = try workspace()
        let daemon = try await APIDaemon(in: directory.path)
        try await interruptCall(to: "5551230060", daemon: daemon)
        let responses = try await daemon.send([
            Request("GET", "/v1/campaigns/spring", headers: APIDaemon.bearer),
            Request("POST", "/v1/campaigns/spring/requeue-interrupted", headers: APIDaemon.bearer),
            Request("POST", "/v1/campaigns/spring/pause", headers: APIDaemon.bearer),
            Request("GET", "/v1/campaigns/spring", headers: APIDaemon.bearer),
            Request("POST", "/v1/campaigns/spring/requeue-interrupted", headers: APIDaemon.bearer),
            Request("POST", "/v1/campaigns/nope/requeue-interrupted", headers: APIDaemon.bearer),
            Request("GET", "/v1/campaigns/spring/requeue-interrupted", headers: APIDaemon.bearer),
        ])
        #expect((responses[0].json["counts"] as? [String: Int])?["interrupted"] == 1, "\(responses[0].body)")
        #expect(responses[1].status == 200 && responses[1].json["requeued"] as? Int == 1, "\(responses[1].body)")
        let counts = responses[3].json["counts"] as? [String: Int] ?? [:]
        #expect(counts["interrupted"] == 0 && (counts["pending"] ?? 0) + (counts["dialing"] ?? 0) + (counts["failed"] ?? 0) == 1,
                "the contact is back in the queue: \(responses[3].body)")
        #expect(responses[4].status == 200 && responses[4].json["requeued"] as? Int == 0, "nothing left to requeue: \(responses[4].body)")
        #expect(responses[5].status == 404)
        #expect(responses[6].status == 405)
    }

    @Test func aCancelledCampaignsInterruptedContactsAreNotRequeued() async throws {
        let directory = try workspace()
        let daemon = try await APIDaemon(in: directory.path)
        try await interruptCall(to: "5551230061", daemon: daemon)
        let responses = try await daemon.send([
            Request("POST", "/v1/campaigns/spring/cancel", headers: APIDaemon.bearer),
            Request("POST", "/v1/campaigns/spring/requeue-interrupted", headers: APIDaemon.bearer),
            Request("GET", "/v1/campaigns/spring", headers: APIDaemon.bearer),
        ])
        #expect(responses[0].status == 200 && responses[0].json["state"] as? String == "cancelled", "\(responses[0].body)")
        #expect(responses[1].status == 409 && responses[1].errorCode == "campaign-cancelled", "\(responses[1].body)")
        let counts = responses[2].json["counts"] as? [String: Int] ?? [:]
        #expect(responses[2].json["state"] as? String == "cancelled" && counts["interrupted"] == 1 && counts["pending"] == 0,
                "the contact stays interrupted: \(responses[2].body)")
    }

    @Test func aCampaignsReportIsServedInEachFormat() async throws {
        let directory = try workspace()
        let daemon = try await APIDaemon(in: directory.path)
        let csv = APIDaemon.bearer.merging(["Content-Type": "text/csv"]) { $1 }
        let responses = try await daemon.send([
            Request("POST", "/v1/campaigns?id=spring", headers: csv, body: "target\n5551230070\n"),
            Request("GET", "/v1/campaigns/spring/report", headers: APIDaemon.bearer),
            Request("GET", "/v1/campaigns/spring/report?format=html", headers: APIDaemon.bearer),
            Request("GET", "/v1/campaigns/spring/report?format=csv", headers: APIDaemon.bearer),
            Request("GET", "/v1/campaigns/spring/report?format=xml", headers: APIDaemon.bearer),
            Request("GET", "/v1/campaigns/nope/report", headers: APIDaemon.bearer),
            Request("GET", "/v1/campaigns/spring/report"),
        ])
        #expect(responses[0].status == 201)
        #expect(responses[1].status == 200 && responses[1].json["campaignId"] as? String == "spring", "\(responses[1].body)")
        #expect(responses[2].status == 200 && responses[2].headers["content-type"]?.hasPrefix("text/html") == true
                && responses[2].body.contains("Campaign spring"), "\(responses[2].body.prefix(300))")
        #expect(responses[3].status == 200 && responses[3].headers["content-type"] == "text/csv", "\(responses[3].body)")
        #expect(responses[4].status == 400 && responses[5].status == 404 && responses[6].status == 401)
        // What `campaignd report` prints for the same campaign.
        let printed = try await CampaigndProcess.run(["report", "spring", "--format", "csv"], in: directory.path)
        #expect(printed.stdout == responses[3].body + "\n" || printed.stdout == responses[3].body, "\(printed.stdout)\n\(responses[3].body)")
    }

    @Test func openAPIDocumentDescribesEveryRoute() async throws {
        let directory = try workspace()
        let daemon = try await APIDaemon(in: directory.path)
        let served = try await daemon.send(Request("GET", "/v1/openapi.json"))
        #expect(served.status == 200)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let checkedIn = try String(contentsOf: root.appendingPathComponent("docs/openapi.json"), encoding: .utf8)
        #expect(served.body == checkedIn, "docs/openapi.json and the served document differ")
        let document = served.json
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = document["paths"] as? [String: [String: Any]] ?? [:]
        // Every route the server answers (a request to each is not a 404 or 405), and nothing more.
        let routes: [(String, String, String)] = [
            ("GET", "/healthz", "/healthz"), ("GET", "/metrics", "/metrics"), ("GET", "/v1/openapi.json", "/v1/openapi.json"),
            ("POST", "/v1/calls", "/v1/calls"), ("GET", "/v1/calls/{id}", "/v1/calls/1"),
            ("GET", "/v1/campaigns", "/v1/campaigns"), ("POST", "/v1/campaigns", "/v1/campaigns"), ("GET", "/v1/campaigns/{id}", "/v1/campaigns/api"),
            ("POST", "/v1/campaigns/{id}/pause", "/v1/campaigns/x/pause"), ("POST", "/v1/campaigns/{id}/resume", "/v1/campaigns/x/resume"),
            ("POST", "/v1/campaigns/{id}/cancel", "/v1/campaigns/x/cancel"), ("POST", "/v1/campaigns/{id}/contacts", "/v1/campaigns/x/contacts"),
            ("POST", "/v1/campaigns/{id}/requeue-interrupted", "/v1/campaigns/x/requeue-interrupted"),
            ("GET", "/v1/campaigns/{id}/report", "/v1/campaigns/api/report"),
            ("GET", "/v1/dnc", "/v1/dnc"), ("POST", "/v1/dnc", "/v1/dnc"), ("DELETE", "/v1/dnc/{target}", "/v1/dnc/1"),
            ("GET", "/v1/cdrs", "/v1/cdrs"), ("GET", "/v1/status", "/v1/status"),
        ]
        let answers = try await daemon.send(routes.map { Request($0.0, $0.2, headers: APIDaemon.bearer) })
        for (route, answer) in zip(routes, answers) {
            #expect(answer.status != 405 && (answer.status != 404 || answer.errorCode == "not-found" && !answer.body.contains("no such resource")),
                    "\(route.0) \(route.2) → \(answer.status) \(answer.body)")
            #expect(paths[route.1]?[route.0.lowercased()] != nil, "\(route.0) \(route.1) is not in the OpenAPI document")
        }
        #expect(paths.values.map(\.count).reduce(0, +) == routes.count, "the document lists routes the server does not have")
        // The router's own table, route for route.
        let table = Set(APIRoute.table.map { "\($0.method.rawValue) \($0.path)" })
        #expect(table == Set(routes.map { "\($0.0) \($0.1)" }), "the router's table and this test's list differ")
    }

    @Test func aKeyOverItsRateGets429WithRetryAfter() async throws {
        let directory = try Workspace()
        try directory.write("campaignd.json", """
            {"sip": {"bindAddress": "127.0.0.1", "port": 0},
             "api": {"listen": "127.0.0.1:0", "keys": [
                {"name": "slow", "secret": "slow-secret-0123456789", "scopes": ["read"], "ratePerSecond": 0.1},
                {"name": "crm", "secret": "crm-secret-0123456789", "scopes": ["read"]}]}}
            """)
        let daemon = try await APIDaemon(in: directory.path)
        let slow = ["Authorization": "Bearer slow-secret-0123456789"]
        let responses = try await daemon.send([
            Request("GET", "/v1/campaigns", headers: slow),
            Request("GET", "/v1/campaigns", headers: slow),
            Request("GET", "/v1/campaigns", headers: APIDaemon.bearer),
            Request("GET", "/v1/campaigns", headers: APIDaemon.bearer),
        ])
        #expect(responses[0].status == 200)
        // One request per 10 s: the next is refused, with how long to wait; other keys are not held up.
        #expect(responses[1].status == 429 && responses[1].errorCode == "rate-limited", "\(responses[1].body)")
        #expect((Int(responses[1].headers["retry-after"] ?? "") ?? 0) >= 1)
        #expect(responses[2].status == 200 && responses[3].status == 200)
    }
}
