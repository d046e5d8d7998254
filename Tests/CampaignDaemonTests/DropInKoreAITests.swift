import Foundation
import Testing

/// Kore.ai SmartAssist's dial-out API (seed 003) served by campaignd: the document's sample request
/// sent as a SmartAssist dialer sends it (the JWT made by Python's `hmac` with a key's secret), the
/// INVITE that reaches a SIPp callee, and every notification a local receiver gets, field by field
/// in SmartAssist's names, checked against the call's CDR; plus the errors. Each test has its own
/// daemon, ports (RTP 31700-31779) and workspace.
@Suite struct DropInKoreAITests {
    typealias Request = APIDaemon.Request

    /// The sample request's bot.
    static let bot = "st-e38782ff-0d89-52e9-5678769a49fdexxxx"
    static let signingSecret = "savg-signing-secret"
    /// The `crm` key's secret (APIDaemon.apiSection), which signs the JWTs.
    static let keySecret = "crm-secret-0123456789"

    /// An HS256 JWT made with Python's hmac (an implementation independent of campaignd's), with
    /// `exp` `expiresIn` seconds from now.
    static let jwtScript = #"""
    import base64, hashlib, hmac, json, sys, time
    def b64(data): return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    secret, expires_in = sys.argv[1], int(sys.argv[2])
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = b64(json.dumps({"appId": "cs-5250bdc9-6bfe-5ece-92c9-ab54aa2d4285", "sub": "dialer",
                             "exp": int(time.time()) + expires_in}).encode())
    signature = hmac.new(secret.encode(), (header + "." + claims).encode(), hashlib.sha256).digest()
    print(header + "." + claims + "." + b64(signature))
    """#

    static func jwt(secret: String = keySecret, expiresIn: Int = 300, in directory: String) async throws -> String {
        let result = try await CampaigndProcess.runTool("/usr/bin/python3", ["-c", jwtScript, secret, String(expiresIn)], in: directory,
                                                        timeout: 30)
        try #require(result.exitCode == 0, "\(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A daemon whose profile is the sample's bot, dialing SIPp on the trunk named `TRUNK`.
    struct Setup {
        let work: Workspace
        let callee: SIPpCallee
        let receiver: WebhookReceiver
        let daemon: APIDaemon
        var hook: String { "http://127.0.0.1:\(receiver.port)/notify" }
    }

    /// campaignd.json: the trunk `TRUNK` at `trunkPort`, the sample's bot as a profile (with `profile`'s
    /// extra settings), the `crm` and `viewer` keys, and a signing secret for the notifications.
    static func writeConfig(_ work: Workspace, trunkPort: Int, rtpBase: Int, profile: String) throws {
        try FileManager.default.createDirectory(atPath: work.path + "/campaigns/prompts", withIntermediateDirectories: true)
        try MediaCallTests.promptWAV(hz: 660, seconds: 1).write(to: URL(fileURLWithPath: work.path + "/campaigns/prompts/hello.wav"))
        try MediaCallTests.promptWAV(hz: 440, seconds: 1).write(to: URL(fileURLWithPath: work.path + "/campaigns/prompts/voicemail.wav"))
        try MediaCallTests.promptWAV(hz: 500, seconds: 10).write(to: URL(fileURLWithPath: work.path + "/campaigns/prompts/long.wav"))
        try work.write("campaignd.json", """
            {"trunks": [{"name": "TRUNK", "host": "127.0.0.1", "port": \(trunkPort)}],
             "sip": {"bindAddress": "127.0.0.1", "port": 0, "t1Ms": 100, "rtpPortMin": \(rtpBase), "rtpPortMax": \(rtpBase + 19)},
             "notifications": {"signingSecret": "\(signingSecret)", "connectTimeoutSec": 1, "readTimeoutSec": 2},
             "defaults": {"defaultCountryCode": "1", "timezone": "UTC", "window": {"start": "00:00", "end": "24:00"}},
             \(APIDaemon.apiSection(extra: #", "profiles": {"\#(bot)": {"trunk": "TRUNK"\#(profile)}}"#))}
            """)
    }

    static func setUp(scenario: String, replacing: [String: String] = [:], rtpBase: Int, profile: String = "") async throws -> Setup {
        let work = try Workspace()
        let sippMedia = try SIPpCallee.freeUDPPort()
        let callee = try await SIPpCallee(scenario: scenario, replacing: replacing, extraArguments: ["-mi", "127.0.0.1", "-mp", String(sippMedia)],
                                          in: work.path)
        let receiver = try await WebhookReceiver(in: work.path, secret: signingSecret)
        try writeConfig(work, trunkPort: callee.port, rtpBase: rtpBase, profile: profile)
        let daemon = try await APIDaemon(in: work.path)
        return Setup(work: work, callee: callee, receiver: receiver, daemon: daemon)
    }

    static let dialout = "/api/1.1/public/bot/\(bot)/smartassist/dialout"

    /// The profile's one CDR, once it is written (within 40 s).
    static func onlyCDR(_ setup: Setup) async throws -> [String: Any] {
        let records = try await setup.daemon.cdrs(campaign: bot, seconds: 40)
        try #require(records.count == 1, "CDRs: \(records)\n\(setup.daemon.log.suffix(3000))")
        return records[0]
    }

    /// The notifications received up to the call's last one (`completed` or `Failed`; within 30 s):
    /// a call's notifications are delivered in order, so none can come after it.
    static func notifications(_ setup: Setup) async throws -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(30)
        func received() -> [[String: Any]] { setup.receiver.requests.filter { $0["path"] as? String == "/notify" } }
        while Date() < deadline, !["completed", "Failed"].contains(received().last.flatMap { ($0["body"] as? [String: Any])?["status"] as? String }) {
            try await Task.sleep(for: .milliseconds(100))
        }
        return received()
    }

    /// Whether each request received was signed under SAVG-Signature and the signature holds
    /// (`t=UNIX,v1=HEX(HMAC-SHA256(secret, "t.body"))`, checked by the receiver with Python's hmac
    /// over the body as sent).
    static func signaturesHold(_ setup: Setup) -> [Bool] {
        setup.receiver.deliveries.map { $0.signatureHeader == "SAVG-Signature" && $0.signatureValid }
    }

    /// One header of a logged request, by name in any case.
    static func header(_ request: [String: Any], _ name: String) -> String? {
        (request["headers"] as? [String: String])?.first { $0.key.lowercased() == name.lowercased() }?.value
    }

    /// campaignd's `amd` log lines: each event's name and its time after the answer.
    static func loggedAMDEvents(_ log: String) -> [(event: String, ms: Int)] {
        log.split(separator: "\n").filter { $0.contains(" amd ") }.compactMap { line in
            let fields = Dictionary(line.split(separator: " ").compactMap { part -> (String, String)? in
                let pair = part.split(separator: "=", maxSplits: 1)
                return pair.count == 2 ? (String(pair[0]), String(pair[1])) : nil
            }, uniquingKeysWith: { first, _ in first })
            guard let event = fields["event"], let ms = fields["after_answer_ms"].flatMap({ Int($0) }) else { return nil }
            return (event, ms)
        }
    }

    static func milliseconds(_ iso: Any?) -> Int64? {
        guard let text = iso as? String else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
    }

    // MARK: - The sample request, answered by a machine

    @Test func theSampleRequestIsAnsweredByAMachineAndNotifiedAsTheSeedShows() async throws {
        // SIPp rings 700 ms, answers, and plays an answering machine's greeting and beep; the bot's
        // side (the profile's onMachine prompt) leaves the voicemail after the beep and hangs up.
        let setup = try await Self.setUp(
            scenario: "uas-ring-stream.xml.in", replacing: ["CLIP": MediaCallTests.fixtures + "/machine-beep.ulaw", "RING_MS": "700"],
            rtpBase: 31900,
            profile: #", "onHuman": {"play": "hello.wav"}, "onMachine": {"play": "voicemail.wav"}, "voicemailEndTimeoutSec": 20"#)
        let token = try await Self.jwt(in: setup.work.path)
        // The document's sample, with its host and notifyurl replaced.
        let sample = """
            {
              "bot": "\(Self.bot)",
              "target": "tel:911234567890",
              "caller": "+11234567890",
              "trunk": "TRUNK",
              "timers": {
                "noSpeechTimeoutMs": 12000,
                "decisionTimeoutMs": 15000,
                "toneTimeoutMs": 20000,
                "greetingCompletionTimeoutMs": 10000
              },
              "timeoutInMs": 60000,
              "thresholdWordCount": 4,
              "machineDetection": "detect",
              "notifyurl": "\(setup.hook)",
              "notifyHeaders": {
                "Accept": "application/json",
                "Content-Type": "application/json",
                "x-channel-type": "X42_IVR",
                "event-type": "x42-ivr-voice-voice-interactions"
              },
              "callControlParameter": {
                "sttProvider": "deepgram",
                "sttLanguage": "en-AU",
                "interim": true,
                "sttLabel": "deepgram-abcd",
                "continuousASRTimeoutInMS": 2000,
                "deepgramUtteranceEndMs": 1000,
                "deepgramEndpointing": 300
              },
              "metadata": {
                "jobPosition": "Software Engineer",
                "userName": "John Doe",
                "companyName": "abc corporation",
                "jobLocation": "USA"
              }
            }
            """
        let response = try await setup.daemon.send(Request("POST", "/api/1.1/public/bot/\(Self.bot)/smartassist/dialout",
                                                           headers: ["Format": "application/json", "auth": token], body: sample))
        #expect(response.status == 200, "\(response.body)")
        #expect(Set(response.json.keys) == ["sid", "callId"], "\(response.body)")
        let sid = try #require(response.json["sid"] as? String)
        let callID = try #require(response.json["callId"] as? String)
        #expect(UUID(uuidString: sid) != nil, "sid \(sid) is not a UUID")

        let cdr = try await Self.onlyCDR(setup)
        #expect(await setup.callee.waitForExit() == 0, "SIPp: \(setup.callee.log.suffix(800))")

        // The INVITE: to the number with its country code, from the caller, with the Call-ID named in the response.
        let invite = try #require(setup.callee.receivedInvites.first, "SIPp got no INVITE: \(setup.callee.messages)")
        #expect(invite.startLine == "INVITE sip:+911234567890@127.0.0.1:\(setup.callee.port);user=phone SIP/2.0", "\(invite)")
        #expect(invite.header("Call-ID") == callID, "\(invite)")
        let from = try #require(invite.header("From"))
        #expect(from.contains("<sip:+11234567890@"), "From: \(from)")

        // The CDR: the profile's campaign, the same conversation and Call-ID, the sample's metadata and
        // its STT parameters kept, a machine detected by the sample's AMD settings.
        #expect(cdr["campaignId"] as? String == Self.bot)
        #expect(cdr["conversationId"] as? String == sid)
        #expect(cdr["sipCallId"] as? String == callID)
        #expect(cdr["target"] as? String == "+911234567890")
        #expect(cdr["caller"] as? String == "+11234567890")
        #expect(cdr["trunk"] as? String == "TRUNK")
        #expect(cdr["status"] as? String == "completed", "\(cdr)")
        #expect(cdr["reasonCode"] as? String == "dialer-disconnected", "\(cdr)")
        #expect(cdr["machineDetection"] as? String == "amd_machine_detected", "\(cdr)")
        // The sample's thresholdWordCount (4) reached the detector: the greeting's fourth word decides,
        // well before the default 16 words or the beep at 7.33 s would.
        let decision = try #require(cdr["amdDecisionMs"] as? Int)
        #expect(decision < 4000, "machine verdict at \(decision) ms")
        #expect(setup.daemon.log.split(separator: "\n").contains { $0.contains("event=amd_machine_detected") && $0.contains(" 4 words") },
                "\(setup.daemon.log.suffix(3000))")
        let metadata = try #require(cdr["metadata"] as? [String: Any])
        #expect(metadata["jobPosition"] as? String == "Software Engineer" && metadata["userName"] as? String == "John Doe")
        #expect(metadata["companyName"] as? String == "abc corporation" && metadata["jobLocation"] as? String == "USA")
        let stt = try #require(metadata["callControlParameter"] as? [String: Any])
        #expect(stt["sttProvider"] as? String == "deepgram" && stt["sttLanguage"] as? String == "en-AU" && stt["interim"] as? Bool == true)
        #expect(stt["deepgramEndpointing"] as? Int == 300)

        let start = try #require(Self.milliseconds(cdr["startTime"]))
        let ring = try #require(Self.milliseconds(cdr["ringTime"]), "SIPp rang: the CDR has a ring time")
        let connect = try #require(Self.milliseconds(cdr["connectTime"]))
        let disconnect = try #require(Self.milliseconds(cdr["disconnectTime"]))
        // SIPp rings for 700 ms; the CDR's interval is only ordered, not timed: a loop thread waiting for a
        // core reads the 180 late and the 200 on time (683 ms was seen on a loaded 2-core run).
        #expect(start <= ring && ring < connect && connect - ring < 5000, "the CDR says rang \(connect - ring) ms")

        // The notifications: Answered, one Call-In-Progress per AMD event campaignd logged, in order, then completed.
        let requests = try await Self.notifications(setup)
        let bodies = requests.compactMap { $0["body"] as? [String: Any] }
        let amd = Self.loggedAMDEvents(setup.daemon.log)
        #expect(amd.contains { $0.event == "amd_machine_detected" }, "\(setup.daemon.log.suffix(3000))")
        #expect(bodies.map { $0["status"] as? String ?? "?" } == ["Answered"] + amd.map { _ in "Call-In-Progress" } + ["completed"],
                "\(bodies)\n\(amd)")
        #expect(bodies.dropFirst().dropLast().map { $0["machineDetection"] as? String ?? "?" } == amd.map(\.event))

        // Every one carries the sample's notifyHeaders and a signature that holds, under SAVG-Signature.
        for request in requests {
            #expect(Self.header(request, "x-channel-type") == "X42_IVR")
            #expect(Self.header(request, "event-type") == "x42-ivr-voice-voice-interactions")
            #expect(Self.header(request, "Accept") == "application/json")
            #expect(Self.header(request, "Content-Type") == "application/json")
            #expect(Self.header(request, "X-Campaignd-Signature") == nil)
        }
        let signatures = Self.signaturesHold(setup)
        #expect(signatures.count == requests.count && signatures.allSatisfy { $0 }, "\(signatures)")

        // Answered: the 200 OK, when, and the delays (the webhook is made while the call is up, by the
        // dispatcher's clock: within 500 ms of the CDR's).
        let answered = try #require(bodies.first)
        #expect(Set(answered.keys) == ["conversationId", "reason", "reasonCode", "callConnectTime", "ringDurationInMS",
                                       "connectDurationInMS", "status"])
        #expect(answered["conversationId"] as? String == sid)
        #expect(answered["reason"] as? String == "200 OK")
        #expect(answered["reasonCode"] as? String == "OK")
        let answeredAt = try #require(Self.milliseconds(answered["callConnectTime"]))
        #expect(answeredAt == connect, "Answered at \(answeredAt), the CDR's connectTime \(connect)")
        let answeredRing = try #require(answered["ringDurationInMS"] as? Int)
        #expect(Int64(answeredRing) == connect - ring, "ringDurationInMS \(answeredRing), the CDR's \(connect - ring)")
        let answeredDial = try #require(answered["connectDurationInMS"] as? Int)
        #expect(Int64(answeredDial) == connect - start, "connectDurationInMS \(answeredDial), the CDR's \(connect - start)")

        // Call-In-Progress: as Answered, at the event's time after the answer, named by machineDetection.
        for (body, event) in zip(bodies.dropFirst().dropLast(), amd) {
            #expect(Set(body.keys) == ["conversationId", "reason", "reasonCode", "callConnectTime", "ringDurationInMS",
                                       "connectDurationInMS", "status", "machineDetection"])
            #expect(body["conversationId"] as? String == sid)
            #expect(body["reason"] as? String == "200 OK")
            #expect(body["reasonCode"] as? String == "OK")
            #expect(Self.milliseconds(body["callConnectTime"]) == answeredAt + Int64(event.ms), "\(event)")
            #expect(body["ringDurationInMS"] as? Int == answeredRing)
            #expect(body["connectDurationInMS"] as? Int == answeredDial)
        }

        // completed: the CDR's times exactly, the bot's side ended it, the machine verdict, the CDR's id as sessionId.
        let completed = try #require(bodies.last)
        #expect(Set(completed.keys) == ["conversationId", "reason", "reasonCode", "callConnectTime", "ringDurationInMS",
                                        "connectDurationInMS", "status", "callDuration", "machineDetection", "sessionId",
                                        "callDisconnectTime"])
        #expect(completed["conversationId"] as? String == sid)
        #expect(completed["reason"] as? String == "200 OK")
        #expect(completed["reasonCode"] as? String == "Bot-disconnected")
        #expect(Self.milliseconds(completed["callConnectTime"]) == connect)
        #expect(completed["ringDurationInMS"] as? Int == Int(connect - ring))
        #expect(completed["connectDurationInMS"] as? Int == Int(connect - start))
        #expect(completed["callDuration"] as? Int == Int((disconnect - connect) / 1000))
        #expect(completed["machineDetection"] as? String == "amd_machine_detected")
        #expect(completed["sessionId"] as? String == cdr["cdrId"] as? String)
        #expect(Self.milliseconds(completed["callDisconnectTime"]) == disconnect)
    }

    // MARK: - A busy callee

    @Test func aBusyCalleeGetsOneFailedNotification() async throws {
        let setup = try await Self.setUp(scenario: "uas-reject.xml.in", replacing: ["CODE": "486", "REASON": "Busy Here"], rtpBase: 31920,
                                         profile: #", "dialoutAllowedCallers": ["+18005550100"]"#)
        let token = try await Self.jwt(in: setup.work.path)
        // A sip: target, botId in the body, the notifyUrl spelling, no caller (the profile allows one).
        let target = "sip:1234567890@127.0.0.1:\(setup.callee.port)"
        let response = try await setup.daemon.send(Request("POST", Self.dialout, headers: ["auth": token, "Content-Type": "application/json"],
                                                           body: #"{"botId": "\#(Self.bot)", "target": "\#(target)", "notifyUrl": "\#(setup.hook)"}"#))
        #expect(response.status == 200, "\(response.body)")
        let sid = try #require(response.json["sid"] as? String)
        let callID = try #require(response.json["callId"] as? String)

        let cdr = try await Self.onlyCDR(setup)
        #expect(await setup.callee.waitForExit() == 0, "SIPp: \(setup.callee.log.suffix(800))")
        let invite = try #require(setup.callee.receivedInvites.first, "SIPp got no INVITE: \(setup.callee.messages)")
        #expect(invite.startLine == "INVITE \(target) SIP/2.0", "\(invite)")
        #expect(invite.header("Call-ID") == callID)
        #expect(invite.header("From")?.contains("<sip:+18005550100@") == true, "\(invite)")

        #expect(cdr["status"] as? String == "failed" && cdr["reasonCode"] as? String == "busy" && cdr["sipCode"] as? Int == 486, "\(cdr)")
        #expect(cdr["ringTime"] is NSNull, "SIPp answered 100 and 486, no 180")
        let requests = try await Self.notifications(setup)
        try #require(requests.count == 1, "\(requests)")
        let failed = try #require(requests[0]["body"] as? [String: Any])
        #expect(Set(failed.keys) == ["conversationId", "reason", "reasonCode", "callConnectTime", "ringDurationInMS", "connectDurationInMS",
                                     "status", "callDisconnectTime"])
        #expect(failed["conversationId"] as? String == sid)
        #expect(failed["reason"] as? String == "486 Busy Here")
        #expect(failed["reasonCode"] as? String == "Busy Here")
        #expect(failed["status"] as? String == "Failed")
        let start = try #require(Self.milliseconds(cdr["startTime"]))
        let disconnect = try #require(Self.milliseconds(cdr["disconnectTime"]))
        #expect(Self.milliseconds(failed["callConnectTime"]) == disconnect, "the seed's sample gives the failure's time")
        #expect(Self.milliseconds(failed["callDisconnectTime"]) == disconnect)
        #expect(failed["ringDurationInMS"] as? Int == 0, "it never rang")
        #expect(failed["connectDurationInMS"] as? Int == Int(disconnect - start))
        #expect(Self.signaturesHold(setup) == [true])
    }

    // MARK: - A person who hangs up, with no AMD events subscribed

    @Test func aPersonWhoHangsUpGetsAnsweredAndCompletedButNoAMDEventsWhenUnsubscribed() async throws {
        // SIPp answers at once (no 180), says hello and hangs up 3 s later, during the person's 10 s prompt.
        let setup = try await Self.setUp(
            scenario: "uas-stream-hangup.xml.in", replacing: ["CLIP": MediaCallTests.fixtures + "/human-hello.ulaw", "HANGUP_MS": "3000"],
            rtpBase: 31940, profile: #", "onHuman": {"play": "long.wav"}"#)
        let token = try await Self.jwt(in: setup.work.path)
        let response = try await setup.daemon.send(Request("POST", Self.dialout, headers: ["auth": token], body: """
            {"target": "tel:+15551230100", "caller": "+15550001111", "notifyurl": "\(setup.hook)", "machinedetection": "disconnect",
             "amdEventsSubscription": [], "notifyHeaders": {"Authorization": "Basic a29yZS5haTpzZWNyZXQ="}}
            """))
        #expect(response.status == 200, "\(response.body)")
        let sid = try #require(response.json["sid"] as? String)

        let cdr = try await Self.onlyCDR(setup)
        #expect(await setup.callee.waitForExit() == 0, "SIPp: \(setup.callee.log.suffix(800))")
        #expect(cdr["reasonCode"] as? String == "client-disconnected", "\(cdr)")
        #expect(cdr["machineDetection"] as? String == "amd_human_detected", "\(cdr)")
        #expect(!Self.loggedAMDEvents(setup.daemon.log).isEmpty, "AMD ran; its events were not sent")

        let requests = try await Self.notifications(setup)
        let bodies = requests.compactMap { $0["body"] as? [String: Any] }
        #expect(bodies.map { $0["status"] as? String ?? "?" } == ["Answered", "completed"], "\(bodies)")
        #expect(requests.allSatisfy { Self.header($0, "Authorization") == "Basic a29yZS5haTpzZWNyZXQ=" })
        let start = try #require(Self.milliseconds(cdr["startTime"]))
        let connect = try #require(Self.milliseconds(cdr["connectTime"]))
        let disconnect = try #require(Self.milliseconds(cdr["disconnectTime"]))
        let answered = try #require(bodies.first)
        #expect(answered["conversationId"] as? String == sid)
        #expect(answered["ringDurationInMS"] as? Int == 0, "SIPp answered without ringing")
        #expect(abs(Int64(answered["connectDurationInMS"] as? Int ?? -1_000) - (connect - start)) <= 500)
        let completed = try #require(bodies.last)
        #expect(completed["reasonCode"] as? String == "Caller-disconnected")
        #expect(completed["machineDetection"] as? String == "amd_human_detected")
        #expect(completed["callDuration"] as? Int == Int((disconnect - connect) / 1000))
        // SIPp hung up 3 s after the answer (its timer may fire a few ms early, so the whole seconds may say 2).
        #expect(disconnect - connect >= 2900 && disconnect - connect < 10_000, "connected \(disconnect - connect) ms")
        #expect(Self.milliseconds(completed["callDisconnectTime"]) == disconnect)
        #expect(Self.signaturesHold(setup) == [true, true])
    }

    // MARK: - timeoutInMs

    @Test func timeoutInMsIsTheRingTimeInWholeSecondsRoundedUp() async throws {
        // 1500 ms is a 2 s ring time: SIPp rings until our CANCEL, which comes 2 s after the INVITE.
        let setup = try await Self.setUp(scenario: "uas-ring-until-cancel.xml", rtpBase: 31960)
        let token = try await Self.jwt(in: setup.work.path)
        let response = try await setup.daemon.send(Request("POST", Self.dialout, headers: ["auth": token], body: """
            {"bot": "\(Self.bot)", "target": "tel:15551230101", "caller": "+15550001111", "notifyurl": "\(setup.hook)", "timeoutInMs": 1500}
            """))
        #expect(response.status == 200, "\(response.body)")
        let cdr = try await Self.onlyCDR(setup)
        #expect(await setup.callee.waitForExit() == 0, "SIPp: \(setup.callee.log.suffix(800))")
        #expect(setup.callee.receivedInvites.first?.startLine == "INVITE sip:+15551230101@127.0.0.1:\(setup.callee.port);user=phone SIP/2.0")
        #expect(cdr["reasonCode"] as? String == "no-answer" && cdr["sipCode"] as? Int == 487, "\(cdr)")

        let requests = try await Self.notifications(setup)
        try #require(requests.count == 1, "\(requests)")
        let failed = try #require(requests[0]["body"] as? [String: Any])
        #expect(failed["status"] as? String == "Failed")
        #expect(failed["reason"] as? String == "487 Request Terminated")
        #expect(failed["reasonCode"] as? String == "Request Terminated")
        let dialed = try #require(failed["connectDurationInMS"] as? Int)
        let rang = try #require(failed["ringDurationInMS"] as? Int)
        // At least the ring time; no upper bound on a loaded machine beyond "not much later".
        #expect(dialed >= 2000 && dialed < 10_000, "ended \(dialed) ms after the dial")
        #expect(rang > 0 && rang <= dialed, "rang \(rang) ms")
        let ring = try #require(Self.milliseconds(cdr["ringTime"]))
        let disconnect = try #require(Self.milliseconds(cdr["disconnectTime"]))
        #expect(rang == Int(disconnect - ring))
    }

    // MARK: - Errors

    @Test func errorsAreAnsweredInKoreAIsShape() async throws {
        let work = try Workspace()
        // Nothing listens on the trunk: no request here may place a call.
        try Self.writeConfig(work, trunkPort: try SIPpCallee.freeUDPPort(), rtpBase: 31980, profile: "")
        let daemon = try await APIDaemon(in: work.path)
        let good = try await Self.jwt(in: work.path)
        let wrongSecret = try await Self.jwt(secret: "not-the-key-secret-at-all", in: work.path)
        let expired = try await Self.jwt(expiresIn: -60, in: work.path)
        let viewer = try await Self.jwt(secret: "viewer-secret-0123456789", in: work.path)
        let body = #"{"target": "tel:15551230102", "caller": "+15550001111"}"#
        let cases: [(Request, Int, String)] = [
            (Request("POST", Self.dialout, body: body), 401, "the auth header is required"),
            (Request("POST", Self.dialout, headers: ["auth": wrongSecret], body: body), 401, "not signed with the secret of any key"),
            (Request("POST", Self.dialout, headers: ["auth": expired], body: body), 401, "has expired"),
            (Request("POST", Self.dialout, headers: ["auth": "not.a-jwt"], body: body), 401, "invalid auth token"),
            (Request("POST", Self.dialout, headers: ["auth": viewer], body: body), 403, "may not make calls"),
            (Request("POST", "/api/1.1/public/bot/st-unknown/smartassist/dialout", headers: ["auth": good], body: body), 404,
             "bot \"st-unknown\" is not found"),
            (Request("POST", Self.dialout, headers: ["auth": good], body: #"{"caller": "+15550001111"}"#), 400, "target is required"),
            (Request("POST", Self.dialout, headers: ["auth": good], body: #"{"target": "tel:15551230102"}"#), 400, "caller is required"),
            (Request("POST", Self.dialout, headers: ["auth": good], body: #"{"bot": "st-other", "target": "tel:15551230102", "caller": "+15550001111"}"#),
             400, "is not the botId"),
            (Request("POST", Self.dialout, headers: ["auth": good], body: #"{"target": "tel:15551230102", "caller": "+15550001111", "trunk": "NOPE"}"#),
             400, "trunk: trunk \"NOPE\" is not configured"),
            (Request("POST", Self.dialout, headers: ["auth": good],
                     body: #"{"target": "tel:15551230102", "caller": "+15550001111", "machineDetection": "sometimes"}"#),
             400, "machineDetection must be one of"),
            (Request("POST", Self.dialout, headers: ["auth": good], body: #"{"target": 15551230102}"#), 400, "target must be of type string"),
            (Request("POST", Self.dialout, headers: ["auth": good], body: "{"), 400, "not JSON"),
        ]
        let responses = try await daemon.send(cases.map(\.0))
        for ((request, status, message), response) in zip(cases, responses) {
            #expect(response.status == status, "\(request.body ?? ""): \(response.body)")
            let errors = response.json["errors"] as? [[String: Any]] ?? []
            #expect(errors.count == 1 && Set(errors.first?.keys.map { $0 } ?? []) == ["msg", "code"], "\(response.body)")
            #expect(errors.first?["code"] as? Int == status, "\(response.body)")
            #expect((errors.first?["msg"] as? String)?.contains(message) == true, "expected \"\(message)\" in \(response.body)")
            #expect(response.headers["content-type"]?.hasPrefix("application/json") == true)
        }
        // None was queued.
        let listed = try await daemon.send(Request("GET", "/v1/cdrs?campaign=\(Self.bot)", headers: APIDaemon.bearer))
        #expect(listed.status == 200 && listed.body.isEmpty, "\(listed.body)")
        #expect(!daemon.log.contains(good) && !daemon.log.contains(wrongSecret), "a JWT was logged")
    }
}
