import Foundation
import Testing

/// `campaignd call` against a real SIPp callee on 127.0.0.1: each test checks the outcome campaignd
/// reports and that SIPp's own scenario succeeded (exit code 0).
@Suite(.serialized) struct SIPCallTests {
    /// A workspace whose configuration sends phone numbers to the SIPp callee as trunk "sipp".
    func workspace(callee: SIPpCallee, directory: Workspace, credentials: Bool = false) throws {
        let auth = credentials ? #", "username": "dialer", "password": "s3cret""# : ""
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "sipp", "host": "127.0.0.1", "port": \(callee.port)\(auth)}],
             "sip": {"bindAddress": "127.0.0.1", "t1Ms": 100},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111", "callerDisplayName": "Acme Renewals",
                          "headers": {"User-to-User": "campaign=test"}}}
            """)
    }

    /// The `ended` event of `call --json` output.
    func ended(_ output: String) throws -> [String: String] {
        let line = try #require(output.split(separator: "\n").last { $0.contains("\"event\":\"ended\"") })
        return try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
    }

    func events(_ output: String) -> [String] {
        output.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String])?["event"]
        }
    }

    @Test func answeredThenWeHangUp() async throws {
        let directory = try Workspace()
        let callee = try await SIPpCallee(scenario: "uas-answer.xml", in: directory.path)
        try workspace(callee: callee, directory: directory)
        let result = try await directory.campaignd("call", "555-123-0001", "--hangup-after", "1", "--json")
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        #expect(events(result.stdout) == ["invite-sent", "trying", "ringing", "answered", "hangup", "ended"])
        let end = try ended(result.stdout)
        #expect(end["status"] == "completed")
        #expect(end["reason_code"] == "dialer-disconnected")
        #expect(Int(end["connect_duration_ms"] ?? "") ?? 0 >= 900)
        #expect(await callee.waitForExit() == 0, "SIPp: \(callee.log.suffix(600))")
        // What SIPp received: the INVITE carries the caller, display name, custom header and SDP offer.
        let received = callee.messages
        #expect(received.contains("INVITE sip:+15551230001@127.0.0.1:\(callee.port);user=phone SIP/2.0"))
        #expect(received.contains("From: \"Acme Renewals\" <sip:+15550001111@127.0.0.1>;tag="))
        #expect(received.contains("User-to-User: campaign=test"))
        for line in ["m=audio 20000 RTP/AVP 0 8 101", "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000",
                     "a=rtpmap:101 telephone-event/8000", "a=ptime:20"] {
            #expect(received.contains(line), "SDP offer lacks \(line)")
        }
        #expect(received.contains("ACK sip:"))
        #expect(received.contains("BYE sip:"))
    }

    @Test func calleeHangsUpFirst() async throws {
        let directory = try Workspace()
        let callee = try await SIPpCallee(scenario: "uas-answer-hangup.xml", in: directory.path)
        try workspace(callee: callee, directory: directory)
        let result = try await directory.campaignd("call", "+15551230002", "--json")
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        let end = try ended(result.stdout)
        #expect(end["status"] == "completed")
        #expect(end["reason_code"] == "client-disconnected")
        #expect(await callee.waitForExit() == 0, "SIPp: \(callee.log.suffix(600))")
    }

    @Test(arguments: [
        ("486", "Busy Here", "busy"), ("603", "Decline", "declined"), ("404", "Not Found", "invalid-number"),
        ("503", "Service Unavailable", "unavailable"),
    ])
    func rejected(code: String, reason: String, reasonCode: String) async throws {
        let directory = try Workspace()
        let callee = try await SIPpCallee(scenario: "uas-reject.xml.in", replacing: ["CODE": code, "REASON": reason], in: directory.path)
        try workspace(callee: callee, directory: directory)
        let result = try await directory.campaignd("call", "+15551230003", "--json")
        #expect(result.exitCode == 6, "\(result.stdout)\(result.stderr)")
        let end = try ended(result.stdout)
        #expect(end["status"] == "failed")
        #expect(end["reason_code"] == reasonCode)
        #expect(end["sip_code"] == code)
        #expect(end["reason"] == reason)
        #expect(await callee.waitForExit() == 0, "SIPp: \(callee.log.suffix(600))")
    }

    @Test func ringsUntilOurCancel() async throws {
        let directory = try Workspace()
        let callee = try await SIPpCallee(scenario: "uas-ring-until-cancel.xml", in: directory.path)
        try workspace(callee: callee, directory: directory)
        let started = Date()
        let result = try await directory.campaignd("call", "+15551230004", "--answer-timeout", "1", "--json")
        #expect(result.exitCode == 6)
        let end = try ended(result.stdout)
        #expect(end["reason_code"] == "no-answer")
        #expect(end["sip_code"] == "487")
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(await callee.waitForExit() == 0, "SIPp: \(callee.log.suffix(600))")
    }

    @Test func answersA401Challenge() async throws {
        let directory = try Workspace()
        let callee = try await SIPpCallee(scenario: "uas-auth.xml", in: directory.path)
        try workspace(callee: callee, directory: directory, credentials: true)
        let result = try await directory.campaignd("call", "+15551230005", "--hangup-after", "0", "--json")
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        #expect(try ended(result.stdout)["status"] == "completed")
        // SIPp checked the digest itself (verifyauth); a wrong one fails its scenario.
        #expect(await callee.waitForExit() == 0, "SIPp: \(callee.log.suffix(600))")
        // The password and the digest response never reach the output.
        #expect(!result.stdout.contains("s3cret") && !result.stderr.contains("s3cret"))
        #expect(!result.stdout.contains("response="))
    }

    @Test func wrongPasswordFailsWithTheChallengeCode() async throws {
        let directory = try Workspace()
        let callee = try await SIPpCallee(scenario: "uas-auth.xml", in: directory.path)
        try workspace(callee: callee, directory: directory, credentials: true)
        try directory.write("campaignd.json", try String(contentsOfFile: directory.path + "/campaignd.json", encoding: .utf8)
            .replacingOccurrences(of: "s3cret", with: "wrong"))
        let result = try await directory.campaignd("call", "+15551230006", "--json")
        #expect(result.exitCode == 6)
        let end = try ended(result.stdout)
        #expect(end["status"] == "failed")
        #expect(end["sip_code"] == "403")
        // SIPp's scenario ends in failure on a wrong digest, as it should.
        #expect(await callee.waitForExit() != 0)
    }

    @Test func badTargetsAndOptionsAreRefusedBeforeDialing() async throws {
        let directory = try Workspace()
        try directory.write("campaignd.json", #"{"sip": {"bindAddress": "127.0.0.1"}}"#)
        let bad = try await directory.campaignd("call", "12")
        #expect(bad.exitCode == 1)
        let secure = try await directory.campaignd("call", "sips:bob@127.0.0.1")
        #expect(secure.exitCode == 1)
        #expect(secure.stderr.contains("is a sips: URI, which needs SIP over TLS"), "\(secure.stderr)")
        #expect(bad.stderr.contains("target \"12\" is not a phone number or SIP URI"))
        let noTrunk = try await directory.campaignd("call", "+15551230001", "--json")
        #expect(noTrunk.exitCode == 6)
        #expect(try ended(noTrunk.stdout)["reason"]?.contains("no trunk") == true)
        #expect(try await directory.campaignd("call", "+15551230001", "--answer-timeout", "0").exitCode == 2)
        #expect(try await directory.campaignd("call", "+15551230001", "--trunk", "nope").exitCode == 2)
        // Connect options: a method that does not exist, and a prompt without --connect, are usage errors.
        let method = try await directory.campaignd("call", "sip:bob@127.0.0.1", "--connect", "sip:bot@127.0.0.1", "--connect-method", "transfer")
        #expect(method.exitCode == 2)
        #expect(method.stderr.contains("--connect-method is bridge or refer, not \"transfer\""), "\(method.stderr)")
        let hold = try await directory.campaignd("call", "sip:bob@127.0.0.1", "--hold", "hold.wav")
        #expect(hold.exitCode == 2)
        #expect(hold.stderr.contains("--hold needs --connect"), "\(hold.stderr)")
    }
}

/// Through Kamailio as the carrier proxy: a 407 challenge and a record-routed dialog.
@Suite(.serialized) struct KamailioCallTests {
    @Test func proxyChallengesWith407AndRecordRoutes() async throws {
        let directory = try Workspace()
        let callee = try await SIPpCallee(scenario: "uas-answer.xml", in: directory.path)
        let proxy = try await KamailioProxy(calleePort: callee.port, in: directory.path)
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "carrier", "host": "127.0.0.1", "port": \(proxy.port), "username": "dialer", "password": "s3cret"}],
             "sip": {"bindAddress": "127.0.0.1", "t1Ms": 100},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111"}}
            """)
        let result = try await directory.campaignd("call", "+15551230007", "--hangup-after", "1", "--json")
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        let end = try #require(result.stdout.split(separator: "\n").last)
        #expect(end.contains("\"status\":\"completed\""))
        // The (challenged, then authorized) BYE's 200 came back through the proxy: the call ended well
        // before a lost one's Timer F (6.4 s here). Timed on campaignd's own event clock, from the
        // hang-up to the end, so a slow process start on a loaded machine does not count.
        let times = try result.stdout.split(separator: "\n").map { line -> (String, Date) in
            let object = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return (object["event"] ?? "", try #require(formatter.date(from: object["time"] ?? "")))
        }
        let hangUp = try #require(times.first { $0.0 == "hangup" }?.1)
        let ended = try #require(times.first { $0.0 == "ended" }?.1)
        #expect(ended.timeIntervalSince(hangUp) < 3, "BYE answered after \(ended.timeIntervalSince(hangUp)) s")
        #expect(await callee.waitForExit() == 0, "SIPp: \(callee.log.suffix(600))")
        await proxy.stop()
        let log = proxy.log
        #expect(log.contains("authenticated INVITE from dialer"), "Kamailio: \(log.suffix(800))")
        // ACK and BYE followed the Route set the proxy's Record-Route built.
        #expect(log.contains("in-dialog ACK routed by its Route header"))
        #expect(log.contains("in-dialog BYE routed by its Route header"))
        // Kamailio challenged our BYE too, and we answered the challenge (issue 15): the callee got it.
        #expect(log.contains("challenging BYE"), "Kamailio: \(log.suffix(800))")
        #expect(log.contains("authenticated BYE from dialer"))
        #expect(callee.messages.contains("Record-Route: <sip:127.0.0.1:\(proxy.port);lr"))
        #expect(!result.stdout.contains("s3cret"))
    }
}
