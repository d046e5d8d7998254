import Foundation
import Testing

/// Calls posted to the HTTP API and placed to SIPp: reported back with their CDRs, streamed by
/// `GET /v1/cdrs?follow=true`, and placed exactly once across a `kill -9` right after the 201.
@Suite struct APICallTests {
    typealias Request = APIDaemon.Request

    func workspace(callee: SIPpCallee) throws -> Workspace {
        let directory = try Workspace()
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "sipp", "host": "127.0.0.1", "port": \(callee.port)}],
             "sip": {"bindAddress": "127.0.0.1", "port": 0, "t1Ms": 100},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111", "timezone": "UTC", "answerTimeoutSec": 5,
                          "window": {"start": "00:00", "end": "24:00"}, "maxRetryNo": 0},
             \(APIDaemon.apiSection())}
            """)
        return directory
    }

    /// The distinct Call-IDs of the INVITEs SIPp received.
    func inviteCallIDs(_ callee: SIPpCallee) -> Set<String> {
        var ids = Set<String>()
        var inInvite = false
        for line in callee.messages.split(whereSeparator: \.isNewline) {
            if line.hasPrefix("INVITE ") { inInvite = true }
            if inInvite, line.lowercased().hasPrefix("call-id:") {
                ids.insert(line.dropFirst("call-id:".count).trimmingCharacters(in: .whitespaces))
                inInvite = false
            }
        }
        return ids
    }

    @Test func aPostedCallIsPlacedAndReportedWithItsCDR() async throws {
        let scratch = try Workspace()
        let callee = try await SIPpCallee(scenario: "uas-answer-hangup.xml", in: scratch.path)
        let work = try workspace(callee: callee)
        let daemon = try await APIDaemon(in: work.path)

        // A follower of the CDRs, started before the call (curl, as a user would).
        let streamed = work.path + "/followed.jsonl"
        _ = FileManager.default.createFile(atPath: streamed, contents: nil)
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-sN", "-H", "Authorization: Bearer crm-secret-0123456789", "-o", streamed,
                          "http://127.0.0.1:\(daemon.port)/v1/cdrs?follow=true"]
        curl.standardOutput = FileHandle.nullDevice
        curl.standardError = FileHandle.nullDevice
        try curl.run()
        defer {
            if curl.isRunning { kill(curl.processIdentifier, SIGKILL) }
        }

        let created = try await daemon.send(Request("POST", "/v1/calls", headers: APIDaemon.bearer.merging(APIDaemon.jsonType) { $1 },
                                                    body: #"{"target": "5551230100", "metadata": {"ticket": "T-1"}}"#))
        #expect(created.status == 201, "\(created.body)")
        let id = try #require(created.json["id"] as? String)
        let call = try await daemon.poll("/v1/calls/\(id)") { ($0["state"] as? String) == "done" }
        #expect(call["state"] as? String == "done", "\(call)\n\(daemon.log)")
        let cdrs = call["cdrs"] as? [[String: Any]] ?? []
        #expect(cdrs.count == 1)
        #expect(cdrs.first?["status"] as? String == "completed")
        #expect(cdrs.first?["conversationId"] as? String == created.json["conversationId"] as? String)
        #expect((cdrs.first?["metadata"] as? [String: Any])?["ticket"] as? String == "T-1")
        #expect(await callee.waitForExit() == 0, "SIPp's scenario: \(callee.log)")

        // The follower got the CDR line as it was written; the plain listing and CSV have it too.
        let conversation = created.json["conversationId"] as? String ?? "?"
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, !((try? String(contentsOfFile: streamed, encoding: .utf8)) ?? "").contains(conversation) {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(((try? String(contentsOfFile: streamed, encoding: .utf8)) ?? "").contains(conversation), "follow=true did not stream the CDR")
        #expect(curl.isRunning, "a followed stream stays open")
        let listed = try await daemon.send([
            Request("GET", "/v1/cdrs?campaign=api", headers: APIDaemon.bearer),
            Request("GET", "/v1/cdrs?campaign=other", headers: APIDaemon.bearer),
            Request("GET", "/v1/cdrs?format=csv&since=2000-01-01", headers: APIDaemon.bearer),
            Request("GET", "/v1/cdrs?format=xml", headers: APIDaemon.bearer),
        ])
        #expect(listed[0].status == 200 && listed[0].body.split(separator: "\n").count == 1 && listed[0].body.contains(conversation))
        #expect(listed[1].status == 200 && listed[1].body.isEmpty)
        #expect(listed[2].body.hasPrefix("outboundCall,cdrId,") && listed[2].body.contains(conversation))
        #expect(listed[3].status == 400)
    }

    @Test func aCallIsPlacedExactlyOnceAcrossAKillRightAfterThe201() async throws {
        let scratch = try Workspace()
        let callee = try await SIPpCallee(scenario: "uas-answer-hangup.xml", in: scratch.path)
        let work = try workspace(callee: callee)
        let daemon = try await APIDaemon(in: work.path)
        let created = try await daemon.send(Request("POST", "/v1/calls", headers: APIDaemon.bearer.merging(APIDaemon.jsonType) { $1 },
                                                    body: #"{"target": "5551230200"}"#))
        daemon.kill9()
        #expect(created.status == 201)
        let id = try #require(created.json["id"] as? String)

        try await daemon.restart()
        // Placed after the restart (or, had the INVITE gone out before the kill, reported interrupted).
        let call = try await daemon.poll("/v1/calls/\(id)") { ["done", "interrupted"].contains($0["state"] as? String ?? "") }
        #expect(["done", "interrupted"].contains(call["state"] as? String ?? ""), "\(call)")
        // Had the INVITE gone out before the kill, SIPp's BYE found no one and it fails by itself later:
        // what counts is that one call reached it.
        _ = await callee.waitForExit(seconds: 3)
        callee.stop()
        #expect(inviteCallIDs(callee).count == 1, "INVITEs with distinct Call-IDs: \(inviteCallIDs(callee))")
        let cdrs = call["cdrs"] as? [[String: Any]] ?? []
        #expect(cdrs.count == 1, "\(cdrs)")
    }

    @Test func callProgressWebhooksComeWhenAskedForAndInOrder() async throws {
        let scratch = try Workspace()
        let callee = try await SIPpCallee(scenario: "uas-answer-hangup.xml", calls: 2, in: scratch.path)
        let work = try workspace(callee: callee)
        let receiver = try await WebhookReceiver(in: work.path, secret: "s")
        let daemon = try await APIDaemon(in: work.path)
        let hook = "http://127.0.0.1:\(receiver.port)/hook"
        let headers = APIDaemon.bearer.merging(APIDaemon.jsonType) { $1 }
        let responses = try await daemon.send([
            Request("POST", "/v1/calls", headers: headers,
                    body: #"{"target": "5551230500", "notifyUrl": "\#(hook)", "notifyEvents": ["started", "ringing", "early-media"]}"#),
            Request("POST", "/v1/calls", headers: headers, body: #"{"target": "5551230501", "notifyUrl": "\#(hook)"}"#),
            Request("POST", "/v1/calls", headers: headers, body: #"{"target": "5551230502", "notifyEvents": ["ringing", "dialing"]}"#),
        ])
        #expect(responses[0].status == 201 && responses[1].status == 201, "\(responses.map(\.body))")
        #expect(responses[2].status == 422 && responses[2].body.contains("notifyEvents[1]"), "\(responses[2].body)")
        let asked = try #require(responses[0].json["conversationId"] as? String)
        let plain = try #require(responses[1].json["conversationId"] as? String)
        func events(_ conversation: String) -> [String] {
            receiver.requests.compactMap { request in
                let body = request["body"] as? [String: Any]
                return body?["conversationId"] as? String == conversation ? body?["event"] as? String : nil
            }
        }
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, events(asked).last != "completed" || events(plain).last != "completed" {
            try await Task.sleep(for: .milliseconds(100))
        }
        // SIPp rings (180) but sends no early media.
        #expect(events(asked) == ["started", "ringing", "answered", "completed"], "\(receiver.requests)")
        #expect(events(plain) == ["answered", "completed"])
        let ringing = receiver.requests.first { ($0["body"] as? [String: Any])?["event"] as? String == "ringing" }?["body"] as? [String: Any]
        #expect(ringing?["status"] as? String == "ringing")
        #expect(ringing?["callDisconnectTime"] is NSNull, "no end while it rings")
    }
}
