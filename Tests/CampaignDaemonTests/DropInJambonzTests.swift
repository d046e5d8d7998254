import Foundation
import Testing

/// jambonz's, and Cognigy Voice Gateway's, `POST /v1/Accounts/{account_sid}/Calls` (seed 000) end to
/// end: the documented requests with only the host and the key replaced, the INVITE a SIPp callee
/// receives, and every webhook a local receiver gets (call status to `call_status_hook`, AMD events
/// to `amd.actionHook`) in jambonz's names, signed under `Jambonz-Signature`.
@Suite(.serialized) struct DropInJambonzTests {
    typealias Request = APIDaemon.Request

    /// The account's webhook secret (`notifications.signingSecret`).
    static let secret = "wh_secret_3Xk9TqVbLm"
    /// The application the requests name: a profile.
    static let applicationSID = "b8a9c2e4-5f61-4d2a-9a07-3c5e8f1d2b40"
    static let accountSID = "9351f46a-678c-43f5-b8a6-d4eb58d131af"
    /// `Authorization: Bearer <valid-api-token>`: the `crm` key's secret (APIDaemon.apiSection).
    static let headers = ["Authorization": "Bearer crm-secret-0123456789", "Accept": "application/json", "Content-Type": "application/json"]
    static let path = "/v1/Accounts/\(accountSID)/Calls"

    struct Setup {
        let directory: Workspace
        let callee: SIPpCallee
        let hooks: WebhookReceiver
        let daemon: APIDaemon
    }

    /// A SIPp callee running `scenario`, a hook receiver, and campaignd with one trunk (`carrier`, the
    /// doc's `<carrier name>`) and one application whose call status hook is the receiver's `/status`,
    /// with Basic credentials and a header of its own.
    static func setUp(scenario: String, replacing: [String: String] = [:], media: Bool = false, rtpBase: Int,
                      profile: String = "") async throws -> Setup {
        let directory = try Workspace()
        let hooks = try await WebhookReceiver(in: directory.path, secret: secret)
        let sippMedia = try SIPpCallee.freeUDPPort()
        let callee = try await SIPpCallee(scenario: scenario, replacing: replacing,
                                          extraArguments: media ? ["-mi", "127.0.0.1", "-mp", String(sippMedia)] : [], in: directory.path)
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "carrier", "host": "127.0.0.1", "port": \(callee.port)}],
             "sip": {"bindAddress": "127.0.0.1", "port": 0, "t1Ms": 100, "rtpPortMin": \(rtpBase), "rtpPortMax": \(rtpBase + 19)},
             "notifications": {"signingSecret": "\(secret)", "connectTimeoutSec": 2, "readTimeoutSec": 5},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111", "timezone": "UTC",
                          "window": {"start": "00:00", "end": "24:00"}},
             \(APIDaemon.apiSection(extra: """
                , "profiles": {"\(applicationSID)": {"trunk": "carrier", "notifyUrl": "http://127.0.0.1:\(hooks.port)/status",
                  "notifyUsername": "app", "notifyPassword": "app-pass", "notifyHeaders": {"X-App-Token": "t0k"}\(profile)}}
                """))}
            """)
        let daemon = try await APIDaemon(in: directory.path)
        return Setup(directory: directory, callee: callee, hooks: hooks, daemon: daemon)
    }

    /// Checks one call status webhook field by field, and that it has no other field.
    static func expectStatus(_ hook: WebhookReceiver.Delivery, _ status: String, sipStatus: Int, sipReason: String, sid: String,
                             callID: String, from: String, to: String, customerData: [String: Any]? = nil,
                             duration: ClosedRange<Int>? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        let body = hook.body
        #expect(hook.signatureHeader == "Jambonz-Signature", "signed under \(hook.signatureHeader ?? "no header")", sourceLocation: sourceLocation)
        #expect(hook.signatureValid, "Jambonz-Signature does not verify: \(hook.headers)", sourceLocation: sourceLocation)
        #expect(hook.headers["Content-Type"] == "application/json", sourceLocation: sourceLocation)
        #expect(hook.headers["X-Campaignd-Signature"] == nil, sourceLocation: sourceLocation)
        #expect(body["call_sid"] as? String == sid, sourceLocation: sourceLocation)
        #expect(body["direction"] as? String == "outbound", sourceLocation: sourceLocation)
        #expect(body["from"] as? String == from, sourceLocation: sourceLocation)
        #expect(body["to"] as? String == to, sourceLocation: sourceLocation)
        #expect(body["call_id"] as? String == callID, sourceLocation: sourceLocation)
        #expect(body["sip_status"] as? Int == sipStatus, "\(status): \(body)", sourceLocation: sourceLocation)
        #expect(body["sip_reason"] as? String == sipReason, "\(status): \(body)", sourceLocation: sourceLocation)
        #expect(body["call_status"] as? String == status, sourceLocation: sourceLocation)
        #expect(body["account_sid"] as? String == accountSID, sourceLocation: sourceLocation)
        #expect(body["application_sid"] as? String == applicationSID, sourceLocation: sourceLocation)
        var keys: Set = ["call_sid", "direction", "from", "to", "call_id", "sip_status", "sip_reason", "call_status", "account_sid",
                         "application_sid"]
        if let duration {
            keys.insert("duration")
            let seconds = body["duration"] as? Int ?? -1
            #expect(duration.contains(seconds), "duration \(seconds) s, expected \(duration)", sourceLocation: sourceLocation)
        }
        if let customerData {
            keys.insert("customerData")
            #expect(NSDictionary(dictionary: body["customerData"] as? [String: Any] ?? [:]).isEqual(to: customerData),
                    "customerData \(body["customerData"] ?? "none")", sourceLocation: sourceLocation)
        }
        #expect(Set(body.keys) == keys, "\(status): fields \(body.keys.sorted())", sourceLocation: sourceLocation)
    }

    // MARK: - The documented examples

    @Test func basicConfigurationRequest() async throws {
        // Rings, offers early media, answers; the callee hangs up 2 s after our ACK.
        let setup = try await Self.setUp(scenario: "uas-ring-answer-hangup.xml.in", replacing: ["HANGUP_MS": "2000"], rtpBase: 32400)
        // The seed's "Basic Configuration Request", placeholders filled.
        let body = """
            {
            "application_sid": "\(Self.applicationSID)",
            "from": "+15550002222",
            "callerName": "Support Line",
            "to": {
            "type": "phone",
            "number": "+15557770001",
            "trunk": "carrier"
            }
            }
            """
        let response = try await setup.daemon.send(Request("POST", Self.path, headers: Self.headers, body: body))
        #expect(response.status == 201, "\(response.body)")
        #expect(Set(response.json.keys) == ["sid", "callid"])
        let sid = try #require(response.json["sid"] as? String)
        let callID = try #require(response.json["callid"] as? String)
        #expect(UUID(uuidString: sid) != nil)

        let hooks = try await setup.hooks.wait(for: 5) { $0.last?.body["call_status"] as? String == "completed" }
        #expect(await setup.callee.waitForExit() == 0, "SIPp: \(setup.callee.log.suffix(800))")
        let invite = try #require(setup.callee.receivedInvites.first, "SIPp got no INVITE: \(setup.callee.messages)")
        #expect(invite.requestURI == "sip:+15557770001@127.0.0.1:\(setup.callee.port);user=phone")
        #expect(invite.header("Call-ID") == callID, "the INVITE's Call-ID is the response's callid")
        let from = invite.header("From") ?? ""
        #expect(from.hasPrefix(#""Support Line" <sip:+15550002222@"#), "From: \(from)")

        #expect(hooks.map(\.path) == Array(repeating: "/status", count: 5))
        // The application's hook, with its credentials.
        #expect(hooks.allSatisfy { $0.headers["Authorization"] == "Basic " + Data("app:app-pass".utf8).base64EncodedString() })
        #expect(hooks.allSatisfy { $0.headers["X-App-Token"] == "t0k" })
        #expect(hooks.map { $0.body["call_status"] as? String ?? "" } == ["trying", "ringing", "early-media", "in-progress", "completed"],
                "\(setup.daemon.log.suffix(2000))")
        guard hooks.count == 5 else { return }
        let common = (sid: sid, callID: callID, from: "+15550002222", to: "+15557770001")
        Self.expectStatus(hooks[0], "trying", sipStatus: 100, sipReason: "Trying", sid: common.sid, callID: common.callID,
                          from: common.from, to: common.to)
        Self.expectStatus(hooks[1], "ringing", sipStatus: 180, sipReason: "Ringing", sid: common.sid, callID: common.callID,
                          from: common.from, to: common.to)
        Self.expectStatus(hooks[2], "early-media", sipStatus: 183, sipReason: "Session Progress", sid: common.sid, callID: common.callID,
                          from: common.from, to: common.to)
        Self.expectStatus(hooks[3], "in-progress", sipStatus: 200, sipReason: "OK", sid: common.sid, callID: common.callID,
                          from: common.from, to: common.to)
        // The callee hung up 2 s after the ACK (SIPp's timer may fire a few ms early): `duration` is the
        // CDR's connected time in whole seconds, rounded down, as jambonz counts it.
        let cdr = try await setup.daemon.cdr(campaign: Self.applicationSID, conversationID: sid)
        let connectedMs = try #require(cdr["connectDurationMs"] as? Int, "\(cdr)")
        #expect(connectedMs >= 1900 && connectedMs < 8000, "connected \(connectedMs) ms")
        Self.expectStatus(hooks[4], "completed", sipStatus: 200, sipReason: "OK", sid: common.sid, callID: common.callID,
                          from: common.from, to: common.to, duration: (connectedMs / 1000)...(connectedMs / 1000))
    }

    @Test func advancedConfigurationRequestWithAMD() async throws {
        // An answering machine: a 5.2 s greeting, then a 440 Hz beep at 7.33 s. The application's
        // `amd` tuning is the media tests' (maximumGreetingMs 5000), so that the greeting alone decides.
        let setup = try await Self.setUp(
            scenario: "uas-stream.xml.in", replacing: ["CLIP": MediaCallTests.fixtures + "/machine-beep.ulaw"], media: true,
            rtpBase: 32420, profile: #", "amd": {"maximumGreetingMs": 5000}"#)
        let webhookID = "6f1c2a9e-4b7d-4e02-8c55-1d3f0b9a7e21"
        // The seed's "Advanced Configuration Request", placeholders filled; webhook.site is the local receiver.
        let body = """
            {
            "application_sid": "\(Self.applicationSID)",
            "from": "+15550002222",
            "fromHost": "cognigy.cloud",
            "callerName": "Vacation Agent",
            "to": {
            "type": "phone",
            "number": "+15557770002",
            "trunk": "carrier"
            },
            "amd": {
            "actionHook": "http://127.0.0.1:\(setup.hooks.port)/\(webhookID)"
            },
            "timeout": 20,
            "tag": {
            "env": "app",
            "internalId": "ABDC1234",
            "Customer": {
            "firstName": "Sara",
            "lastName": "Doe",
            "mobileNumber": "+15557770002",
            "email": "sara.doe@cognigy.com",
            "salutation": "Ms"
            }
            },
            "headers": {
            "User-to-User": "UUID: 4711"
            }
            }
            """
        let tag = try #require((try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["tag"] as? [String: Any])
        let response = try await setup.daemon.send(Request("POST", Self.path, headers: Self.headers, body: body))
        #expect(response.status == 201, "\(response.body)")
        let sid = try #require(response.json["sid"] as? String)
        let callID = try #require(response.json["callid"] as? String)

        let hooks = try await setup.hooks.wait(for: 60) { hooks in
            hooks.contains { $0.body["call_status"] as? String == "completed" && $0.path == "/status" }
        }
        #expect(await setup.callee.waitForExit(seconds: 30) == 0, "SIPp: \(setup.callee.log.suffix(800))")
        let invite = try #require(setup.callee.receivedInvites.first, "SIPp got no INVITE: \(setup.callee.messages)")
        #expect(invite.requestURI == "sip:+15557770002@127.0.0.1:\(setup.callee.port);user=phone")
        #expect(invite.header("Call-ID") == callID)
        let from = invite.header("From") ?? ""
        #expect(from.hasPrefix(#""Vacation Agent" <sip:+15550002222@cognigy.cloud>;tag="#), "From: \(from)")
        #expect(invite.header("User-to-User") == "UUID: 4711")

        // Call status, to the application's hook, each with the tag as customerData.
        let status = hooks.filter { $0.path == "/status" }
        #expect(status.map { $0.body["call_status"] as? String ?? "" } == ["trying", "in-progress", "completed"], "\(status.map(\.body))")
        let common = (sid: sid, callID: callID, from: "+15550002222", to: "+15557770002")
        if status.count == 3 {
            Self.expectStatus(status[0], "trying", sipStatus: 100, sipReason: "Trying", sid: common.sid, callID: common.callID,
                              from: common.from, to: common.to, customerData: tag)
            Self.expectStatus(status[1], "in-progress", sipStatus: 200, sipReason: "OK", sid: common.sid, callID: common.callID,
                              from: common.from, to: common.to, customerData: tag)
            Self.expectStatus(status[2], "completed", sipStatus: 200, sipReason: "OK", sid: common.sid, callID: common.callID,
                              from: common.from, to: common.to, customerData: tag, duration: 7...15)
        }

        // AMD events, to amd.actionHook: the call info (in progress) with jambonz's `type` and what decided it.
        let amd = hooks.filter { $0.path == "/" + webhookID }
        let types = amd.map { $0.body["type"] as? String ?? "" }
        // The verdict on the greeting, its end, the beep, and detection's end (the call hangs up after
        // the beep: nothing to play to a machine).
        #expect(types == ["amd_machine_detected", "amd_machine_stopped_speaking", "amd_tone_detected", "amd_stopped"], "\(amd.map(\.body))")
        for event in amd {
            let body = event.body
            #expect(event.signatureHeader == "Jambonz-Signature")
            #expect(event.signatureValid)
            #expect(event.headers["Authorization"] == nil && event.headers["X-App-Token"] == nil, "\(event.headers)")
            #expect(body["call_sid"] as? String == sid && body["call_id"] as? String == callID)
            #expect(body["direction"] as? String == "outbound" && body["from"] as? String == common.from && body["to"] as? String == common.to)
            #expect(body["call_status"] as? String == "in-progress" && body["sip_status"] as? Int == 200 && body["sip_reason"] as? String == "OK")
            #expect(body["account_sid"] as? String == Self.accountSID && body["application_sid"] as? String == Self.applicationSID)
            #expect(NSDictionary(dictionary: body["customerData"] as? [String: Any] ?? [:]).isEqual(to: tag))
            var keys: Set = ["call_sid", "direction", "from", "to", "call_id", "sip_status", "sip_reason", "call_status", "account_sid",
                             "application_sid", "customerData", "type"]
            switch body["type"] as? String {
            case "amd_machine_detected":
                keys.insert("reason")
                // The greeting ran past maximumGreetingMs: jambonz's "long greeting".
                #expect(body["reason"] as? String == "long greeting", "\(body)")
            case "amd_tone_detected":
                keys.insert("frequency")
                let hz = body["frequency"] as? Int ?? 0
                #expect(abs(hz - 440) <= 20, "beep at \(hz) Hz")
            default:
                break
            }
            #expect(Set(body.keys) == keys, "\(body)")
        }
    }

    // MARK: - Calls that are not answered

    @Test func busyCalleeWithAHookOfItsOwnAndCredentials() async throws {
        let setup = try await Self.setUp(scenario: "uas-reject.xml.in", replacing: ["CODE": "486", "REASON": "Busy Here"], rtpBase: 32440)
        let body = """
            {"application_sid": "\(Self.applicationSID)", "from": "+15550002222",
             "to": {"type": "sip", "sipUri": "sip:+15557770006@127.0.0.1:\(setup.callee.port)"},
             "call_status_hook": {"url": "http://127.0.0.1:\(setup.hooks.port)/busy", "method": "POST", "username": "hook", "password": "p4ss"},
             "speech_synthesis_vendor": "microsoft", "speech_synthesis_voice": "de-DE-SeraphinaMultilingualNeural",
             "speech_synthesis_language": "de-DE", "tag": {"crmId": "C-17"},
             "call_hook": {"url": "https://bot.example.com/call", "method": "POST", "username": "bot", "password": "b0t-secret"}}
            """
        let response = try await setup.daemon.send(Request("POST", Self.path, headers: Self.headers, body: body))
        #expect(response.status == 201, "\(response.body)")
        let sid = try #require(response.json["sid"] as? String)
        let callID = try #require(response.json["callid"] as? String)
        let hooks = try await setup.hooks.wait(for: 2) { _ in false }
        #expect(await setup.callee.waitForExit() == 0, "SIPp: \(setup.callee.log.suffix(800))")
        let invite = try #require(setup.callee.receivedInvites.first, "SIPp got no INVITE: \(setup.callee.messages)")
        #expect(invite.requestURI == "sip:+15557770006@127.0.0.1:\(setup.callee.port)")
        #expect(invite.header("Call-ID") == callID)

        // The request's hook, not the application's, with the hook's Basic credentials.
        #expect(hooks.map(\.path) == ["/busy", "/busy"])
        #expect(hooks.map { $0.body["call_status"] as? String ?? "" } == ["trying", "busy"])
        #expect(hooks.allSatisfy { $0.headers["Authorization"] == "Basic " + Data("hook:p4ss".utf8).base64EncodedString() })
        #expect(hooks.allSatisfy { $0.headers["X-App-Token"] == nil }, "the application's header does not go to the request's hook")
        guard hooks.count == 2 else { return }
        let to = "sip:+15557770006@127.0.0.1:\(setup.callee.port)"
        Self.expectStatus(hooks[0], "trying", sipStatus: 100, sipReason: "Trying", sid: sid, callID: callID, from: "+15550002222", to: to,
                          customerData: ["crmId": "C-17"])
        Self.expectStatus(hooks[1], "busy", sipStatus: 486, sipReason: "Busy Here", sid: sid, callID: callID, from: "+15550002222", to: to,
                          customerData: ["crmId": "C-17"])

        // What campaignd cannot act on is kept in the CDR's metadata.
        let cdrs = try await setup.daemon.cdrs(campaign: Self.applicationSID)
        let cdr = try #require(cdrs.first, "no CDR")
        #expect(cdr["conversationId"] as? String == sid && cdr["sipCallId"] as? String == callID)
        #expect(cdr["reasonCode"] as? String == "busy")
        let metadata = cdr["metadata"] as? [String: Any] ?? [:]
        #expect(metadata["speech_synthesis_vendor"] as? String == "microsoft")
        #expect(metadata["speech_synthesis_voice"] as? String == "de-DE-SeraphinaMultilingualNeural")
        #expect(metadata["speech_synthesis_language"] as? String == "de-DE")
        #expect((metadata["tag"] as? [String: Any])?["crmId"] as? String == "C-17")
        #expect(metadata["application_sid"] as? String == Self.applicationSID && metadata["account_sid"] as? String == Self.accountSID)
        #expect(NSDictionary(dictionary: metadata["call_hook"] as? [String: Any] ?? [:])
            .isEqual(to: ["url": "https://bot.example.com/call", "method": "POST"]), "\(metadata)")
        let stored = String(decoding: try JSONSerialization.data(withJSONObject: cdrs), as: UTF8.self)
        #expect(!stored.contains("p4ss") && !stored.contains("b0t-secret"), "the hooks' passwords are not kept with the call")
    }

    @Test func unansweredCallToAUserIsNoAnswerAfterItsTimeout() async throws {
        let setup = try await Self.setUp(scenario: "uas-ring-until-cancel.xml", rtpBase: 32460)
        let body = """
            {"application_sid": "\(Self.applicationSID)", "from": "+15550002222", "fromHost": "sip.example.com",
             "to": {"type": "user", "name": "alice"}, "timeout": 2,
             "call_status_hook": "http://127.0.0.1:\(setup.hooks.port)/noanswer"}
            """
        let started = Date()
        let response = try await setup.daemon.send(Request("POST", Self.path, headers: Self.headers, body: body))
        #expect(response.status == 201, "\(response.body)")
        let sid = try #require(response.json["sid"] as? String)
        let callID = try #require(response.json["callid"] as? String)
        let hooks = try await setup.hooks.wait(for: 3) { $0.last?.body["call_status"] as? String == "no-answer" }
        let elapsed = Date().timeIntervalSince(started)
        #expect(await setup.callee.waitForExit() == 0, "SIPp (it must have got our CANCEL): \(setup.callee.log.suffix(800))")
        let invite = try #require(setup.callee.receivedInvites.first, "SIPp got no INVITE: \(setup.callee.messages)")
        #expect(invite.requestURI == "sip:alice@sip.example.com")
        #expect((invite.header("From") ?? "").hasPrefix("<sip:+15550002222@sip.example.com>"), "From: \(invite.header("From") ?? "")")

        #expect(hooks.map(\.path) == ["/noanswer", "/noanswer", "/noanswer"])
        // A hook without credentials gets none, not the application's.
        #expect(hooks.allSatisfy { $0.headers["Authorization"] == nil && $0.headers["X-App-Token"] == nil })
        #expect(hooks.map { $0.body["call_status"] as? String ?? "" } == ["trying", "ringing", "no-answer"])
        // `timeout` is the ring time: 2 s, not the default 60.
        #expect(elapsed >= 2 && elapsed < 20, "no-answer after \(elapsed) s")
        guard hooks.count == 3 else { return }
        Self.expectStatus(hooks[0], "trying", sipStatus: 100, sipReason: "Trying", sid: sid, callID: callID, from: "+15550002222", to: "alice")
        Self.expectStatus(hooks[1], "ringing", sipStatus: 180, sipReason: "Ringing", sid: sid, callID: callID, from: "+15550002222", to: "alice")
        Self.expectStatus(hooks[2], "no-answer", sipStatus: 487, sipReason: "Request Terminated", sid: sid, callID: callID,
                          from: "+15550002222", to: "alice")
    }

    // MARK: - Errors

    @Test func refusedRequestsInJambonzWords() async throws {
        let setup = try await Self.setUp(scenario: "uas-answer.xml", rtpBase: 32480)
        let good = #""from": "+15550002222", "to": {"type": "phone", "number": "+15557770001"}"#
        func post(_ body: String, headers: [String: String] = Self.headers) -> Request {
            Request("POST", Self.path, headers: headers, body: body)
        }
        let responses = try await setup.daemon.send([
            post(#"{"application_sid": "\#(Self.applicationSID)", \#(good)}"#, headers: ["Content-Type": "application/json"]),
            post(#"{"application_sid": "\#(Self.applicationSID)", \#(good)}"#,
                 headers: ["Authorization": "Bearer not-a-key-0123456789", "Content-Type": "application/json"]),
            post(#"{"application_sid": "\#(Self.applicationSID)", "to": {"type": "phone", "number": "+15557770001"}}"#),
            post(#"{"application_sid": "\#(Self.applicationSID)", "from": "+15550002222"}"#),
            post(#"{"application_sid": "\#(Self.applicationSID)", "from": "+15550002222", "to": {"type": "phone"}}"#),
            post(#"{"application_sid": "0d3c8e55-8f1b-4a5e-9b8e-6c2a7d4f1e90", \#(good)}"#),
            post("{\(good)}"),
            post(#"{"application_sid": "\#(Self.applicationSID)", \#(good), "call_status_hook": "/status"}"#),
            post(#"{"application_sid": "\#(Self.applicationSID)", \#(good), "timeout": "soon"}"#),
            post(#"{"application_sid": "\#(Self.applicationSID)", \#(good)}"#,
                 headers: ["Authorization": "Bearer viewer-secret-0123456789", "Content-Type": "application/json"]),
            // What jambonz would pass on but campaignd cannot put in an INVITE, named by the request's field.
            post(#"{"application_sid": "\#(Self.applicationSID)", \#(good), "fromHost": "cognigy cloud"}"#),
            post(#"{"application_sid": "\#(Self.applicationSID)", \#(good), "headers": {"From": "<sip:x@y>"}}"#),
        ])
        // passport's bearer strategy, as jambonz's API server answers.
        #expect(responses[0].status == 401 && responses[0].body.hasPrefix("Unauthorized"))
        #expect(responses[0].headers["www-authenticate"] == #"Bearer realm="Users""#)
        #expect(responses[1].status == 401 && responses[1].body.hasPrefix("Unauthorized"))
        #expect(responses[1].headers["www-authenticate"] == #"Bearer realm="Users", error="invalid_token""#)
        let expected: [(Int, String)] = [
            (400, "missing from parameter"),
            (400, "missing or invalid to property: undefined"),
            (400, #"missing or invalid to property: {"type":"phone"}"#),
            (400, "application_sid not found 0d3c8e55-8f1b-4a5e-9b8e-6c2a7d4f1e90"),
            (400, "either application_sid or set of speech_synthesis_vendor, speech_synthesis_language, speech_synthesis_voice, "
                + "speech_recognizer_vendor, speech_recognizer_language required"),
            (400, "call_status_hook url be an absolute url"),
            (400, "Invalid timeout"),
            (403, "key viewer may not create calls (scope calls)"),
            (400, "fromHost: \"cognigy cloud\" is not a host name or IP address"),
            (400, "headers.From: header From is set by campaignd itself and cannot be overridden"),
        ]
        #expect(responses.count == expected.count + 2)
        for (response, (status, message)) in zip(responses.dropFirst(2), expected) {
            #expect(response.status == status, "\(message): \(response.status) \(response.body)")
            #expect(Set(response.json.keys) == ["msg"] && response.json["msg"] as? String == message, "\(response.body)")
        }
        // None of them placed a call.
        let cdrs = try await setup.daemon.send(Request("GET", "/v1/cdrs?campaign=\(Self.applicationSID)", headers: APIDaemon.bearer))
        #expect(cdrs.status == 200 && cdrs.body.isEmpty)
        #expect(!setup.callee.messages.contains("INVITE "))
    }
}
