import Foundation
import Testing

/// AudioCodes VoiceAI Connect's outbound calling (seed 004) against campaignd: the documented
/// requests (host and keys replaced) placed to SIPp, the responses, the INVITE, every notification
/// field by field, each documented error, and 429 beyond a bot's limits.
@Suite struct DropInAudioCodesTests {
    typealias Request = APIDaemon.Request

    static let dialerSecret = "dialer-secret-0123456789"
    static let basic = ["Authorization": "Basic " + Data("dialer:\(dialerSecret)".utf8).base64EncodedString(),
                        "Content-Type": "application/json;charset=UTF-8"]
    /// The `viewer` key (read scope only), which lists the CDRs.
    static let viewer = ["Authorization": "Bearer viewer-secret-0123456789"]

    /// A daemon whose trunk is `callee` and whose profiles are `profiles` (JSON members); its RTP
    /// ports from `rtpBase` (20 of them).
    func daemon(callee: SIPpCallee, profiles: String, rtpBase: Int = 32000, in work: Workspace) async throws -> APIDaemon {
        try work.write("campaignd.json", """
            {"trunks": [{"name": "sipp", "host": "127.0.0.1", "port": \(callee.port)}],
             "sip": {"bindAddress": "127.0.0.1", "port": 0, "t1Ms": 100, "rtpPortMin": \(rtpBase), "rtpPortMax": \(rtpBase + 19)},
             "defaults": {"timezone": "UTC", "window": {"start": "00:00", "end": "24:00"}},
             "api": {"listen": "127.0.0.1:0", "keys": [
                 {"name": "dialer", "secret": "\(Self.dialerSecret)", "scopes": ["calls"]},
                 {"name": "viewer", "secret": "viewer-secret-0123456789", "scopes": ["read"]}],
               "profiles": {\(profiles)}}}
            """)
        return try await APIDaemon(in: work.path)
    }

    /// The notifications the receiver got, once it has `count` (within 30 s).
    func notifications(_ receiver: WebhookReceiver, count: Int) async throws -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(30)
        while receiver.requests.count < count, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        return receiver.requests
    }

    @Test func theDocumentedDialoutWithAnOAuthTokenIsPlacedAndNotified() async throws {
        let work = try Workspace()
        let callee = try await SIPpCallee(scenario: "uas-answer-hangup.xml", in: work.path)
        let receiver = try await WebhookReceiver(in: work.path, secret: "unused")
        let daemon = try await daemon(callee: callee, profiles: #""Bot1": {"trunk": "sipp"}"#, in: work)

        // OAuth 2.0 client credentials (the client is a key's name and secret), then the documented request.
        let token = try await daemon.send(Request("POST", "/oauth/token", headers: ["Content-Type": "application/x-www-form-urlencoded"],
                                                  body: "grant_type=client_credentials&client_id=dialer&client_secret=\(Self.dialerSecret)"))
        #expect(token.status == 200, "\(token.body)")
        #expect(token.json["token_type"] as? String == "Bearer")
        #expect((token.json["expires_in"] as? Int ?? 0) > 0)
        let accessToken = try #require(token.json["access_token"] as? String)
        #expect(!daemon.log.contains(accessToken), "the access token is never logged")

        // The document's example, with its closing quote after "detect" made straight (as printed it is not JSON).
        let body = """
            {
              "bot": "Bot1",
              "target": "tel:+123456789",
              "caller": "1-800-111-111",
              "notifyUrl": "http://127.0.0.1:\(receiver.port)/call/454/notify",
              "machineDetection": "detect",
              "voicemailEndTimeoutSec": 20,
              "metadata": {
                "participantName": "Alice"
              }
            }
            """
        let response = try await daemon.send(Request("POST", "/api/v1/actions/dialout",
                                                     headers: ["Authorization": "BEARER \(accessToken)", "Content-Type": "application/json;charset=UTF-8"],
                                                     body: body))
        #expect(response.status == 200, "\(response.body)")
        #expect(response.headers["content-type"]?.hasPrefix("application/json") == true)
        #expect(response.json.keys.sorted() == ["conversationId"])
        let conversationID = try #require(response.json["conversationId"] as? String)
        #expect(UUID(uuidString: conversationID) != nil, "a UUID: \(conversationID)")
        #expect(await callee.waitForExit() == 0, "SIPp's scenario: \(callee.log)")

        // The INVITE: the target through the bot's trunk, the caller as From's user part.
        let invite = try #require(callee.receivedInvites.first, "SIPp got no INVITE: \(callee.messages)")
        #expect(invite.startLine == "INVITE sip:+123456789@127.0.0.1:\(callee.port);user=phone SIP/2.0", "\(invite.startLine)")
        #expect(invite.header("From")?.hasPrefix("<sip:1-800-111-111@127.0.0.1>;tag=") == true, "\(callee.messages)")

        // answered, then completed when SIPp hangs up: VoiceAI Connect's fields only.
        let received = try await notifications(receiver, count: 2)
        #expect(received.count == 2, "\(received)\n\(daemon.log)")
        for request in received {
            #expect(request["path"] as? String == "/call/454/notify")
            let headers = request["headers"] as? [String: String] ?? [:]
            #expect(headers["Authorization"] == nil, "VoiceAI Connect sends no authorization header")
            #expect(headers["Content-Type"] == "application/json")
        }
        let answered = received.first?["body"] as? [String: Any] ?? [:]
        #expect(answered.keys.sorted() == ["connectTime", "conversationId", "status"], "\(answered)")
        #expect(answered["conversationId"] as? String == conversationID)
        #expect(answered["status"] as? String == "answered")
        let connectTime = try #require(answered["connectTime"] as? String)
        #expect(ISO8601DateFormatter.withFractionalSeconds.date(from: connectTime) != nil, "\(connectTime)")
        let completed = received.last?["body"] as? [String: Any] ?? [:]
        #expect(completed.keys.sorted() == ["callDuration", "connectTime", "conversationId", "reason", "reasonCode", "status"], "\(completed)")
        #expect(completed["conversationId"] as? String == conversationID)
        #expect(completed["status"] as? String == "completed")
        #expect(completed["reasonCode"] as? String == "client-disconnected")
        #expect(completed["connectTime"] as? String == connectTime)
        #expect((completed["callDuration"] as? Int).map { (0...5).contains($0) } == true, "\(completed)")

        // The bot's campaign has the call, with the request's metadata in its CDR.
        let cdrs = try await daemon.cdrs(campaign: "Bot1", headers: Self.viewer)
        let line = try #require(cdrs.first, "no CDR")
        #expect(line["conversationId"] as? String == conversationID)
        #expect(line["campaignId"] as? String == "Bot1")
        #expect(line["target"] as? String == "+123456789")
        #expect((line["metadata"] as? [String: Any])?["participantName"] as? String == "Alice")
    }

    @Test func aBusyTargetIsNotifiedAsFailedBusyWithTheSIPReason() async throws {
        let work = try Workspace()
        let callee = try await SIPpCallee(scenario: "uas-reject.xml.in", replacing: ["CODE": "486", "REASON": "Busy Here"], in: work.path)
        let receiver = try await WebhookReceiver(in: work.path, secret: "unused")
        // One allowed caller: the request may leave its caller out.
        let daemon = try await daemon(callee: callee, profiles: #""Bot1": {"trunk": "sipp", "dialoutAllowedCallers": ["+18005550100"]}"#,
                                      in: work)
        let response = try await daemon.send(Request("POST", "/api/v1/actions/dialout", headers: Self.basic, body: """
            {"bot": "Bot1", "target": "tel:+15551230100", "notifyUrl": "http://127.0.0.1:\(receiver.port)/call/455/notify"}
            """))
        #expect(response.status == 200, "\(response.body)")
        let conversationID = try #require(response.json["conversationId"] as? String)
        #expect(await callee.waitForExit() == 0, "SIPp's scenario: \(callee.log)")
        #expect(callee.receivedInvites.first?.header("From")?.contains("<sip:+18005550100@") == true, "the only allowed caller")

        let received = try await notifications(receiver, count: 1)
        #expect(received.count == 1, "\(received)\n\(daemon.log)")
        let failed = received.first?["body"] as? [String: Any] ?? [:]
        // As the document's example, field for field.
        #expect(failed.keys.sorted() == ["conversationId", "reason", "reasonCode", "status"], "\(failed)")
        #expect(failed["conversationId"] as? String == conversationID)
        #expect(failed["status"] as? String == "failed")
        #expect(failed["reasonCode"] as? String == "busy")
        #expect(failed["reason"] as? String == #"SIP ;cause=486 ;text="Busy Here""#)
    }

    /// An answering machine (a greeting, then its beep) under each `machineDetection` that detects.
    @Test(arguments: ["detect", "disconnect"])
    func anAnsweringMachineIsNotifiedAsVoiceAIConnectReportsIt(mode: String) async throws {
        let work = try Workspace()
        let callee = try await SIPpCallee(scenario: "uas-stream.xml.in", replacing: ["CLIP": SIPpCallee.scenarios + "/audio/machine-beep.ulaw"],
                                          extraArguments: ["-mi", "127.0.0.1", "-mp", String(try SIPpCallee.freeUDPPort())], in: work.path)
        let receiver = try await WebhookReceiver(in: work.path, secret: "unused")
        // Four words make a machine (as Kore.ai's example sets): the recorded greeting has seven before its beep.
        let daemon = try await daemon(callee: callee, profiles: #""Bot1": {"trunk": "sipp", "caller": "+18005550100", "amd": {"thresholdWordCount": 4}}"#,
                                      rtpBase: mode == "detect" ? 32020 : 32040, in: work)
        let response = try await daemon.send(Request("POST", "/api/v1/actions/dialout", headers: Self.basic, body: """
            {"bot": "Bot1", "target": "tel:+15551230100", "machineDetection": "\(mode)", "voicemailEndTimeoutSec": 10,
             "notifyUrl": "http://127.0.0.1:\(receiver.port)/notify"}
            """))
        #expect(response.status == 200, "\(response.body)")
        let conversationID = try #require(response.json["conversationId"] as? String)
        let received = try await notifications(receiver, count: 2)
        #expect(received.count == 2, "\(received)\n\(daemon.log)")
        #expect((received.first?["body"] as? [String: Any])?["status"] as? String == "answered")
        let completed = received.last?["body"] as? [String: Any] ?? [:]
        #expect(completed["conversationId"] as? String == conversationID)
        #expect(completed["status"] as? String == "completed")
        let cdr = try await daemon.cdrs(campaign: "Bot1", atLeast: 1, headers: Self.viewer).first ?? [:]
        #expect(cdr["machineDetection"] as? String == "amd_machine_detected", "\(cdr)\n\(daemon.log.split(separator: "\n").filter { $0.contains("amd") }.joined(separator: "\n"))")
        if mode == "disconnect" {
            // Hung up on the machine: as the document's fax example, with "voicemail detected".
            #expect(completed.keys.sorted() == ["callDuration", "connectTime", "conversationId", "reason", "reasonCode", "status"], "\(completed)")
            #expect(completed["reasonCode"] as? String == "machine-detected")
            #expect(completed["reason"] as? String == "voicemail detected")
        } else {
            // Left to the bot, and the beep was heard: machineDetection says so.
            #expect(completed.keys.sorted() == ["callDuration", "connectTime", "conversationId", "machineDetection", "reasonCode", "status"]
                    || completed.keys.sorted() == ["callDuration", "connectTime", "conversationId", "machineDetection", "reason", "reasonCode", "status"],
                    "\(completed)")
            #expect(completed["machineDetection"] as? String == "voicemail beep", "\(completed)\n\(daemon.log)")
        }
        callee.stop()
    }

    @Test func eachDocumentedErrorIsAnsweredInVoiceAIConnectsShape() async throws {
        let work = try Workspace()
        let callee = try await SIPpCallee(scenario: "uas-answer.xml", in: work.path)
        let daemon = try await daemon(callee: callee, profiles: """
            "Bot1": {"trunk": "sipp", "dialoutAllowedCallers": ["+18005550100", "+18005550101"]}
            """, in: work)
        let dialout = "/api/v1/actions/dialout"
        let valid = #"{"bot": "Bot1", "target": "tel:+15551230100", "caller": "+18005550100"}"#
        let responses = try await daemon.send([
            Request("POST", dialout, headers: Self.basic, body: #"{"target": "tel:+15551230100", "caller": "+18005550100"}"#),
            Request("POST", dialout, headers: Self.basic, body: #"{"bot": "Bot1", "caller": "+18005550100"}"#),
            Request("POST", dialout, headers: Self.basic, body: #"{"bot": 7, "target": "tel:+15551230100"}"#),
            Request("POST", dialout, headers: Self.basic, body: #"{"bot": "Nobody", "target": "tel:+15551230100", "caller": "+18005550100"}"#),
            Request("POST", dialout, headers: Self.basic, body: #"{"bot": "Bot1", "target": "tel:+15551230100"}"#),
            Request("POST", dialout, headers: Self.basic, body: #"{"bot": "Bot1", "target": "tel:+15551230100", "caller": "+18005550199"}"#),
            Request("POST", dialout, headers: Self.basic, body: #"{"bot": "Bot1", "target": "tel:12", "caller": "+18005550100"}"#),
            Request("POST", dialout, headers: Self.basic,
                    body: #"{"bot": "Bot1", "target": "tel:+15551230100", "caller": "+18005550100", "machineDetection": "maybe"}"#),
            Request("POST", dialout, headers: Self.basic, body: "not json"),
            Request("POST", dialout, headers: ["Content-Type": "application/json"], body: valid),
            Request("POST", dialout, headers: ["Authorization": "Basic " + Data("dialer:wrong-secret-0123456".utf8).base64EncodedString()], body: valid),
            Request("POST", dialout, headers: ["Authorization": "Bearer not-a-token"], body: valid),
            Request("POST", dialout, headers: ["Authorization": "Bearer viewer-secret-0123456789"], body: valid),
            Request("GET", dialout, headers: Self.basic),
            Request("POST", "/oauth/token", headers: ["Content-Type": "application/x-www-form-urlencoded"],
                    body: "grant_type=client_credentials&client_id=dialer&client_secret=wrong"),
            Request("POST", "/oauth/token", headers: ["Content-Type": "application/x-www-form-urlencoded"],
                    body: "grant_type=password&username=dialer&password=x"),
        ])
        let expected: [(Int, String)] = [
            (400, "request should have required property 'bot'"),
            (400, "request should have required property 'target'"),
            (400, "request.bot should be string"),
            (404, "bot 'Nobody' is not found"),
            (400, "request should have required property 'caller'"),
            (400, "caller '+18005550199' is not in the bot's dialoutAllowedCallers"),
            (400, "request.target:"),
            (400, "request.machineDetection should be equal to one of the allowed values"),
            (400, "the body is not JSON"),
            (401, "unauthorized"),
            (401, "unauthorized"),
            (401, "unauthorized"),
            (403, "may not make calls"),
        ]
        for (index, (status, message)) in expected.enumerated() {
            #expect(responses[index].status == status, "request \(index): \(responses[index].body)")
            #expect((responses[index].json["error"] as? String)?.hasPrefix(message) == true
                    || (responses[index].json["error"] as? String)?.contains(message) == true, "request \(index): \(responses[index].body)")
        }
        #expect(responses[9].headers["www-authenticate"] != nil)
        #expect(responses[13].status == 405)
        #expect(responses[14].status == 401 && responses[14].json["error"] as? String == "invalid_client", "\(responses[14].body)")
        #expect(responses[15].status == 400 && responses[15].json["error"] as? String == "unsupported_grant_type", "\(responses[15].body)")
        // Nothing was queued by a refused request: the bot's campaign has no contacts.
        let campaign = try await daemon.send(Request("GET", "/v1/campaigns/Bot1", headers: ["Authorization": "Bearer viewer-secret-0123456789"]))
        #expect(campaign.status == 200 && campaign.json["total"] as? Int == 0, "\(campaign.body)")
        #expect(!daemon.log.contains(Self.dialerSecret) && !daemon.log.contains("wrong-secret"), "secrets are never logged")
    }

    @Test func aBurstAboveTheBotsRateGets429AndTheAcceptedCallsArePaced() async throws {
        let work = try Workspace()
        let callee = try await SIPpCallee(scenario: "uas-reject.xml.in", replacing: ["CODE": "486", "REASON": "Busy Here"], calls: 20,
                                          in: work.path)
        let daemon = try await daemon(callee: callee, profiles: #""Bot1": {"trunk": "sipp", "caller": "+18005550100", "dialoutLimitPerSecond": 2}"#,
                                      in: work)
        let request = Request("POST", "/api/v1/actions/dialout", headers: Self.basic,
                              body: #"{"bot": "Bot1", "target": "tel:+15551230100"}"#)
        let started = Date()
        let burst = try await daemon.send(Array(repeating: request, count: 10))
        let elapsed = Date().timeIntervalSince(started)
        let accepted = burst.filter { $0.status == 200 }
        let refused = burst.filter { $0.status == 429 }
        #expect(accepted.count + refused.count == 10, "\(burst.map(\.status))")
        // The first at once, then one every half second while the burst was being sent.
        #expect(accepted.count >= 1 && Double(accepted.count) <= 1 + elapsed * 2 + 1, "\(accepted.count) accepted in \(elapsed) s: \(burst.map(\.body))")
        #expect(!refused.isEmpty)
        #expect(refused.allSatisfy { ($0.json["error"] as? String)?.contains("dialoutLimitPerSecond") == true && $0.headers["retry-after"] != nil })

        // More requests, one at a time, until 4 in all are accepted (the refused ones queue nothing).
        var acceptedCount = accepted.count
        let deadline = Date().addingTimeInterval(20)
        while acceptedCount < 4, Date() < deadline {
            if try await daemon.send(request).status == 200 { acceptedCount += 1 }
        }
        #expect(acceptedCount == 4)
        // The accepted calls are placed at the bot's rate, 2 a second: the 4th starts at least 1.5 s after
        // the 1st (the pacer's schedule is the first call's time plus n / rate; one call late may be followed
        // by the next a little sooner, so single gaps are not checked).
        let cdrs = try await daemon.cdrs(campaign: "Bot1", atLeast: acceptedCount, headers: Self.viewer)
        let starts = cdrs.compactMap { ($0["startTime"] as? String).flatMap(ISO8601DateFormatter.withFractionalSeconds.date(from:)) }.sorted()
        #expect(starts.count == acceptedCount, "\(cdrs)")
        if let first = starts.first, let last = starts.last {
            #expect(last.timeIntervalSince(first) >= 1.4, "starts \(starts)")
        }
    }

    @Test func callsBeyondTheBotsConcurrentLimitGet429UntilOneEnds() async throws {
        let work = try Workspace()
        let callee = try await SIPpCallee(scenario: "uas-ring-until-cancel.xml", calls: 3, in: work.path)
        let daemon = try await daemon(callee: callee, profiles: """
            "Bot1": {"trunk": "sipp", "caller": "+18005550100", "dialoutMaxConcurrentCalls": 2, "answerTimeoutSec": 3}
            """, in: work)
        let request = Request("POST", "/api/v1/actions/dialout", headers: Self.basic, body: #"{"bot": "Bot1", "target": "tel:+15551230100"}"#)
        let first = try await daemon.send([request, request, request])
        #expect(first.map(\.status) == [200, 200, 429], "\(first.map(\.body))")
        #expect((first[2].json["error"] as? String)?.contains("dialoutMaxConcurrentCalls") == true, "\(first[2].body)")
        // Both ring for their 3 s and end unanswered; then there is room again.
        _ = try await daemon.cdrs(campaign: "Bot1", atLeast: 2, headers: Self.viewer)
        let after = try await daemon.send(request)
        #expect(after.status == 200, "\(after.body)")
    }
}

extension ISO8601DateFormatter {
    /// `2026-11-26T21:40:00.123Z`, as CDRs and notifications write times.
    nonisolated(unsafe) static let withFractionalSeconds: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()
}
