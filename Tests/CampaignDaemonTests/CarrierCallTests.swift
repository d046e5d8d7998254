import Foundation
import Testing

/// What carriers and PBXs do beyond the basic call (issue 15), each against a SIPp scenario from
/// deploy/sipp: every test checks what campaignd reports (call events, CDR) and SIPp's own exit
/// code (its scenario checks what campaignd sent: PRACKs, refreshes, answers, capabilities).
@Suite(.serialized) struct CarrierCallTests {
    /// `campaignd call` against `scenario`, with phone numbers going to SIPp as trunk "sipp".
    func call(_ scenario: String, _ arguments: String..., replacing: [String: String] = [:]) async throws
        -> (result: CampaigndProcess.Result, callee: SIPpCallee, directory: Workspace) {
        let directory = try Workspace()
        let callee = try await SIPpCallee(scenario: scenario, replacing: replacing, in: directory.path)
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "sipp", "host": "127.0.0.1", "port": \(callee.port)}],
             "sip": {"bindAddress": "127.0.0.1", "t1Ms": 100},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111"}}
            """)
        let result = try await CampaigndProcess.run(["call"] + arguments + ["--json"], in: directory.path)
        return (result, callee, directory)
    }

    func lines(_ output: String) -> [[String: String]] {
        output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
    }

    func ended(_ output: String) throws -> [String: String] {
        try #require(lines(output).last { $0["event"] == "ended" })
    }

    static func milliseconds(_ iso: Any?) throws -> Double {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let date = try #require((iso as? String).flatMap { formatter.date(from: $0) }, "not a time: \(String(describing: iso))")
        return date.timeIntervalSince1970 * 1000
    }

    // MARK: In the call

    @Test(arguments: [("application/dtmf-relay", "Signal=9\r\nDuration=160"), ("application/dtmf", "9")])
    func updateIsAnsweredAndAnInfoKeyPressOptsOut(contentType: String, body: String) async throws {
        // The INFO's 9 is the campaign's opt-out digit: the same path as an RFC 4733 key press.
        let campaign = """
            {"name": "Reminders", "contacts": [{"target": "+15557770011"}], "onHuman": {"play": "long.wav", "optOutDigit": "9"}}
            """
        let setup = try await MediaCallTests.setUp(scenario: "uas-update-info.xml.in", replacing: ["CONTENT_TYPE": contentType, "BODY": body],
                                             campaign: campaign, rtpBase: contentType == "application/dtmf" ? 31860 : 31880)
        try MediaCallTests.promptWAV(hz: 500, seconds: 8).write(to: URL(fileURLWithPath: setup.directory.path + "/campaigns/prompts/long.wav"))
        // SIPp checked that our 200 to its UPDATE carried an SDP answer and that the INFO got a 200.
        let (cdr, _) = try await MediaCallTests.runOnce(setup)
        #expect(cdr["status"] as? String == "completed")
        #expect(cdr["optedOut"] as? Bool == true)
        #expect((cdr["reason"] as? String)?.contains("opted out with 9") == true)
        let connected = try #require(cdr["connectDurationMs"] as? Int)
        #expect(connected < 5000, "connected for \(connected) ms")
        let dnc = try await setup.directory.campaignd("dnc", "list")
        #expect(dnc.stdout.contains("+15557770011"), "dnc list: \(dnc.stdout)")
    }

    @Test func optionsFromTheTrunkOutsideACallListWhatWeSupport() async throws {
        let directory = try Workspace()
        let sipPort = try SIPpCallee.freeUDPPort()
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "carrier", "host": "127.0.0.1", "port": 5999}],
             "sip": {"bindAddress": "127.0.0.1", "port": \(sipPort), "t1Ms": 100}}
            """)
        let daemon = try CampaigndProcess.start(["run"], in: directory.path, logPath: directory.path + "/daemon.log")
        defer {
            if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) }
            Child.reap(daemon)
        }
        // A debug build starting beside a whole test run can take a while on 2 cores.
        let deadline = Date().addingTimeInterval(30)
        let pid = daemon.processIdentifier
        while !SIPpCallee.isBound(udpPort: sipPort, by: pid), daemon.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        try #require(SIPpCallee.isBound(udpPort: sipPort, by: pid),
                     "campaignd never bound its SIP port: \((try? String(contentsOfFile: directory.path + "/daemon.log", encoding: .utf8)) ?? "")")
        // SIPp as the trunk: one OPTIONS; its scenario checks Allow, Accept and Supported in our 200.
        let trunk = try await SIPpCallee(scenario: "uac-options.xml", extraArguments: ["127.0.0.1:\(sipPort)"], in: directory.path)
        #expect(await trunk.waitForExit() == 0, "SIPp: \(trunk.log.suffix(600)) \(trunk.messages.suffix(800))")
        #expect(trunk.messages.contains("Supported: 100rel, timer"))
        kill(daemon.processIdentifier, SIGTERM)
    }

    @Test func okWithoutSDPAfterA183WithSDPUsesTheEarlyAnswer() async throws {
        // The media session starts on the 183's SDP (RFC 3261 §13.2.1); the prompt plays and the script hangs up.
        let campaign = #"{"name": "Early", "contacts": [{"target": "+15557770012"}], "onHuman": {"play": "hello.wav"}}"#
        let setup = try await MediaCallTests.setUp(scenario: "uas-early-sdp.xml", replacing: [:], campaign: campaign, rtpBase: 31660)
        let (cdr, _) = try await MediaCallTests.runOnce(setup)
        #expect(cdr["status"] as? String == "completed")
        #expect(cdr["reasonCode"] as? String == "dialer-disconnected", "\(cdr)")
    }

    @Test func reliableProvisionalsArePRACKedOnce() async throws {
        let (result, callee, directory) = try await call("uas-100rel.xml", "+15551230021", "--hangup-after", "0")
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        // The retransmitted 183 was neither PRACKed again (SIPp would have failed on its RAck) nor reported twice.
        #expect(lines(result.stdout).compactMap { $0["event"] } == ["invite-sent", "early-media", "ringing", "answered", "hangup", "ended"])
        #expect(try ended(result.stdout)["status"] == "completed")
        #expect(await callee.waitForExit() == 0, "SIPp: \(callee.log.suffix(600))")
        #expect(callee.messages.components(separatedBy: "PRACK sip:").count - 1 == 2)
        withExtendedLifetime(directory) {}
    }

    @Test func weRefreshTheSessionAndItStaysUp() async throws {
        let (result, callee, directory) = try await call("uas-session-refresh.xml", "+15551230022")
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        let end = try ended(result.stdout)
        // SIPp hangs up after our three refreshes, one a second (half its 2 s interval).
        #expect(end["reason_code"] == "client-disconnected")
        let connected = try #require(Int(end["connect_duration_ms"] ?? ""))
        #expect(connected >= 2900, "connected for \(connected) ms")
        #expect(await callee.waitForExit() == 0, "SIPp: \(callee.log.suffix(600))")
        #expect(callee.messages.components(separatedBy: "UPDATE sip:").count - 1 == 3)
        withExtendedLifetime(directory) {}
    }

    @Test func aFarEndWithoutUpdateIsRefreshedWithReinvite() async throws {
        let (result, callee, directory) = try await call("uas-session-refresh-reinvite.xml", "+15551230026")
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        let end = try ended(result.stdout)
        #expect(end["reason_code"] == "client-disconnected")
        let connected = try #require(Int(end["connect_duration_ms"] ?? ""))
        #expect(connected >= 1900, "connected for \(connected) ms")
        // SIPp checked each re-INVITE's Session-Expires and got the ACK for each 200.
        #expect(await callee.waitForExit() == 0, "SIPp: \(callee.log.suffix(600))")
        #expect(callee.messages.components(separatedBy: "INVITE sip:").count - 1 == 3)
        #expect(!callee.messages.contains("UPDATE sip:"))
        withExtendedLifetime(directory) {}
    }

    @Test func aSessionNobodyRefreshesIsHungUpBeforeItExpires() async throws {
        let (result, callee, directory) = try await call("uas-session-expires.xml", "+15551230023")
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        let end = try ended(result.stdout)
        #expect(end["status"] == "completed")
        #expect(end["reason_code"] == "error")
        #expect(end["reason"] == "session expired: no refresh within 3 s (RFC 4028)")
        // Session-Expires 3 s with the callee refreshing: our BYE at 3 s less a third.
        let connected = try #require(Int(end["connect_duration_ms"] ?? ""))
        #expect(connected >= 1900 && connected < 2900, "connected for \(connected) ms")
        #expect(await callee.waitForExit() == 0, "SIPp: \(callee.log.suffix(600))")
        withExtendedLifetime(directory) {}
    }

    @Test func aRefusedRefreshEndsTheCall() async throws {
        let (result, callee, directory) = try await call("uas-session-refresh-refused.xml", "+15551230027")
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        let end = try ended(result.stdout)
        #expect(end["status"] == "completed")
        #expect(end["reason_code"] == "error")
        #expect(end["reason"] == "session refresh failed (RFC 4028)")
        // SIPp got our BYE right after refusing the refresh (its scenario waits for it).
        #expect(await callee.waitForExit() == 0, "SIPp: \(callee.log.suffix(600))")
        withExtendedLifetime(directory) {}
    }

    @Test func sessionIntervalTooSmallIsAskedAgainWithTheMinimum() async throws {
        let (result, callee, directory) = try await call("uas-session-interval-too-small.xml", "+15551230028", "--hangup-after", "0")
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        #expect(try ended(result.stdout)["status"] == "completed")
        // SIPp checked the second INVITE's Session-Expires and Min-SE.
        #expect(await callee.waitForExit() == 0, "SIPp: \(callee.log.suffix(600))")
        withExtendedLifetime(directory) {}
    }

    @Test func anUnansweredByeEndsTheDurationWhenItWasSent() async throws {
        let started = Date()
        let (result, callee, directory) = try await call("uas-bye-unanswered.xml", "+15551230024", "--hangup-after", "1")
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        let end = try ended(result.stdout)
        #expect(end["status"] == "completed")
        // The BYE went unanswered until Timer F (64 × T1 = 6.4 s here) ...
        #expect(Date().timeIntervalSince(started) > 6)
        // ... but the call lasted until we sent it.
        let connected = try #require(Int(end["connect_duration_ms"] ?? ""))
        #expect(connected >= 900 && connected < 2000, "connected for \(connected) ms")
        #expect(await callee.waitForExit() == 0, "SIPp: \(callee.log.suffix(600))")
        withExtendedLifetime(directory) {}
    }

    /// RFC 3261 §15.1.1: the session ends when our BYE goes out, not when its response comes. The
    /// callee never answers the BYE (Timer F: 6.4 s here); campaignd's prompt must stop with the BYE.
    @Test func mediaStopsWhenOurByeGoesOutNotWhenItIsAnswered() async throws {
        let directory = try Workspace()
        let callee = try await SIPpCallee(scenario: "uas-bye-unanswered.xml", in: directory.path)
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "sipp", "host": "127.0.0.1", "port": \(callee.port)}],
             "sip": {"bindAddress": "127.0.0.1", "t1Ms": 100, "rtpPortMin": 30160, "rtpPortMax": 30179},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111"}}
            """)
        try MediaCallTests.promptWAV(hz: 500, seconds: 10).write(to: URL(fileURLWithPath: directory.path + "/long.wav"))
        let capture = try await PacketCapture(filter: "udp portrange 30160-30179", in: directory.path)
        let result = try await CampaigndProcess.run(["call", "+15551230029", "--play", "long.wav", "--hangup-after", "1", "--json"],
                                                    in: directory.path)
        let packets = try await capture.stop()
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        let end = try ended(result.stdout)
        let connected = try #require(Int(end["connect_duration_ms"] ?? ""), "\(result.stdout)")
        #expect(connected >= 900 && connected < 2500, "connected for \(connected) ms")
        // Our RTP (the prompt) from the answer until the BYE at about 1 s, not on through Timer F.
        let ours = packets.filter { (30160...30179).contains($0.sourcePort) && $0.rtcpTypes.isEmpty && $0.payloadType != nil }
        let first = try #require(ours.first, "no RTP from campaignd")
        let last = try #require(ours.last)
        #expect(last.time - first.time < Double(connected) / 1000 + 0.5,
                "campaignd sent RTP for \(last.time - first.time) s; the BYE went out after \(connected) ms")
        #expect(await callee.waitForExit() == 0, "SIPp: \(callee.log.suffix(600))")
    }

    @Test func pjsipRequiring100relAndTimersSendingUpdateAndInfo() async throws {
        let directory = try Workspace()
        let callee = try await PJSIPCallee(digit: "7", in: directory.path)
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "pbx", "host": "127.0.0.1", "port": \(callee.port)}],
             "sip": {"bindAddress": "127.0.0.1", "t1Ms": 100},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111"}}
            """)
        let result = try await CampaigndProcess.run(["call", "+15551230031", "--hangup-after", "2", "--json"], in: directory.path)
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        let events = lines(result.stdout)
        // PJSIP would have refused the INVITE (421) without Supported: 100rel and timer.
        #expect(events.compactMap { $0["event"] }.starts(with: ["invite-sent", "trying", "ringing", "answered"]))
        #expect(events.contains { $0["event"] == "digit" && $0["digit"] == "7" }, "\(result.stdout)")
        let end = try ended(result.stdout)
        #expect(end["status"] == "completed")
        #expect(end["reason_code"] == "dialer-disconnected")
        // PJSIP's own verdict: its UPDATE and INFO got 2xx, its reliable 180 a PRACK, and our BYE came.
        #expect(await callee.waitForExit() == 0, "PJSIP: \(callee.log.suffix(1500))")
        #expect(callee.log.contains("result ok"))
    }

    // MARK: Before the answer

    @Test func redirectIsFollowedAndRecordedInTheCDR() async throws {
        let campaign = #"{"name": "Moved", "contacts": [{"target": "+15557770013"}], "onHuman": {"play": "hello.wav"}}"#
        let setup = try await MediaCallTests.setUp(scenario: "uas-redirect.xml", replacing: [:], campaign: campaign, rtpBase: 31680)
        let (cdr, _) = try await MediaCallTests.runOnce(setup)
        #expect(cdr["status"] as? String == "completed")
        #expect(cdr["redirectedTo"] as? String == "sip:+15559990000@127.0.0.1:\(setup.callee.port);user=phone")
    }

    /// A call placed straight to a SIP URI (no trunk) follows the redirect to the new URI's host.
    @Test func directCallFollowsTheRedirectToAnotherHost() async throws {
        let directory = try Workspace()
        let moved = try await SIPpCallee(scenario: "uas-answer.xml", in: directory.path)
        let first = try await SIPpCallee(scenario: "uas-redirect-to.xml.in", replacing: ["CONTACT": "sip:bob@127.0.0.1:\(moved.port)"], in: directory.path)
        try directory.write("campaignd.json", #"{"sip": {"bindAddress": "127.0.0.1", "t1Ms": 100}}"#)
        let result = try await directory.campaignd("call", "sip:alice@127.0.0.1:\(first.port)", "--hangup-after", "0", "--json")
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        let end = try ended(result.stdout)
        #expect(end["status"] == "completed")
        #expect(end["redirected_to"] == "sip:bob@127.0.0.1:\(moved.port)")
        #expect(await first.waitForExit() == 0, "SIPp (302): \(first.log.suffix(600))")
        #expect(await moved.waitForExit() == 0, "SIPp (answer): \(moved.log.suffix(600))")
        #expect(moved.messages.contains("INVITE sip:bob@127.0.0.1:\(moved.port) SIP/2.0"))
    }

    @Test func aRedirectBackToWhereTheCallStartedIsALoop() async throws {
        let directory = try Workspace()
        let callee = try await SIPpCallee(scenario: "uas-redirect-to.xml.in", replacing: ["CONTACT": "sip:alice@[local_ip]:[local_port]"], in: directory.path)
        try directory.write("campaignd.json", #"{"sip": {"bindAddress": "127.0.0.1", "t1Ms": 100}}"#)
        let result = try await directory.campaignd("call", "sip:alice@127.0.0.1:\(callee.port)", "--json")
        #expect(result.exitCode == 6, "\(result.stdout)\(result.stderr)")
        let end = try ended(result.stdout)
        #expect(end["status"] == "failed")
        #expect(end["sip_code"] == "302")
        #expect(end["reason"] == "redirect loop: sip:alice@127.0.0.1:\(callee.port) was already tried")
        #expect(await callee.waitForExit() == 0, "SIPp: \(callee.log.suffix(600))")
    }

    @Test func retryAfterPutsTheNextAttemptNoSoonerThanItSays() async throws {
        let campaign = """
            {"name": "Busy trunk", "contacts": [{"target": "+15557770014"}], "maxRetryNo": 2, "retryIntervalSec": 5}
            """
        let setup = try await MediaCallTests.setUp(scenario: "uas-reject-with-header.xml.in",
                                             replacing: ["CODE": "503", "REASON": "Service Unavailable", "HEADER": "Retry-After: 120"],
                                             campaign: campaign, rtpBase: 31700)
        let result = try await CampaigndProcess.run(["run", "--once"], in: setup.directory.path)
        // Exit code 7: work remains (the retry), as `run --once --help` documents.
        #expect(result.exitCode == 7, "\(result.stdout)\n\(result.stderr.suffix(2000))")
        #expect(await setup.callee.waitForExit() == 0, "SIPp: \(setup.callee.log.suffix(800))")
        let cdr = try MediaCallTests.onlyCDR(setup.directory)
        #expect(cdr["reasonCode"] as? String == "unavailable")
        #expect(cdr["willRetry"] as? Bool == true)
        let wait = try Self.milliseconds(cdr["nextAttemptAt"]) - Self.milliseconds(cdr["disconnectTime"])
        #expect(wait >= 120_000 && wait < 121_000, "next attempt \(wait) ms after the end")
    }

    @Test func retryAfterIsInTheCallResult() async throws {
        let (result, callee, directory) = try await call("uas-reject-with-header.xml.in", "+15551230025",
                                                 replacing: ["CODE": "486", "REASON": "Busy Here", "HEADER": "Retry-After: 30"])
        let end = try ended(result.stdout)
        #expect(end["reason_code"] == "busy")
        #expect(end["retry_after"] == "30")
        #expect(await callee.waitForExit() == 0, "SIPp: \(callee.log.suffix(600))")
        withExtendedLifetime(directory) {}
    }

    @Test(arguments: [
        ("421", "Extension Required", "Require: precondition"),
        ("488", "Not Acceptable Here", "Warning: 304 sipp \"Media type not available\""),
        ("415", "Unsupported Media Type", "Accept: application/vnd.example"),
    ])
    func whatWeCannotSatisfyIsIncompatibleAndNotRetried(code: String, reason: String, header: String) async throws {
        let campaign = """
            {"name": "Picky", "contacts": [{"target": "+15557770015"}], "maxRetryNo": 2, "retryIntervalSec": 5}
            """
        let setup = try await MediaCallTests.setUp(scenario: "uas-reject-with-header.xml.in",
                                             replacing: ["CODE": code, "REASON": reason, "HEADER": header],
                                             campaign: campaign, rtpBase: 31720)
        let run = try await MediaCallTests.run(setup)
        #expect(run.cdr["reasonCode"] as? String == "incompatible")
        #expect(run.cdr["sipCode"] as? Int == Int(code))
        #expect(run.cdr["willRetry"] as? Bool == false)
        #expect(run.cdr["reason"] as? String == "\(reason); \(header)")
        // The log line says what the far end wanted.
        #expect(run.log.contains("reason_code=incompatible"), "\(run.log.suffix(1500))")
        #expect(run.log.contains(header.components(separatedBy: ":")[0]), "\(run.log.suffix(1500))")
    }
}
