import Foundation
import Testing

/// SIP over TCP per trunk (`transport: "tcp"`, RFC 3261 §18) against SIPp `-t t1` (one connection
/// for the whole scenario): each test checks campaignd's outcome and SIPp's own exit code.
@Suite(.serialized) struct TCPCallTests {
    func call(_ scenario: String, _ arguments: String..., replacing: [String: String] = [:]) async throws
        -> (result: CampaigndProcess.Result, callee: SIPpCallee, directory: Workspace) {
        let directory = try Workspace()
        let callee = try await SIPpCallee(scenario: scenario, replacing: replacing, tcp: true, in: directory.path)
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "sipp", "host": "127.0.0.1", "port": \(callee.port), "transport": "tcp"}],
             "sip": {"bindAddress": "127.0.0.1", "t1Ms": 100},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111"}}
            """)
        let result = try await CampaigndProcess.run(["call"] + arguments + ["--json"], in: directory.path)
        return (result, callee, directory)
    }

    func ended(_ output: String) throws -> [String: String] {
        let events = output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
        return try #require(events.last { $0["event"] == "ended" }, "no ended event in \(output)")
    }

    @Test func anAnsweredCallGoesOverTCPWithoutRetransmissions() async throws {
        let (result, callee, directory) = try await call("uas-answer.xml", "+15551230041", "--hangup-after", "1")
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        let end = try ended(result.stdout)
        #expect(end["status"] == "completed")
        #expect(end["reason_code"] == "dialer-disconnected")
        // SIPp got the INVITE, the ACK and the BYE on its one connection and answered the BYE.
        #expect(await callee.waitForExit() == 0, "SIPp: \(callee.log.suffix(600)) \(callee.messages.suffix(1500))")
        let messages = callee.messages
        #expect(messages.contains("Via: SIP/2.0/TCP 127.0.0.1:"))
        #expect(messages.contains(";transport=tcp>"), "our Contact asks for TCP")
        // SIPp answers a 200 with retrans="500" only on UDP; on TCP we never resend (no Timer A or E)
        // although the call lasts ten T1s.
        #expect(messages.components(separatedBy: "INVITE sip:").count - 1 == 1)
        #expect(messages.components(separatedBy: "BYE sip:").count - 1 == 1)
        withExtendedLifetime(directory) {}
    }

    @Test func aRejectionOverTCPIsBusy() async throws {
        let (result, callee, directory) = try await call("uas-reject.xml.in", "+15551230042",
                                                         replacing: ["CODE": "486", "REASON": "Busy Here"])
        #expect(result.exitCode == 6, "\(result.stdout)\(result.stderr)")
        let end = try ended(result.stdout)
        #expect(end["status"] == "failed")
        #expect(end["reason_code"] == "busy")
        #expect(end["sip_code"] == "486")
        // SIPp's scenario ends on our ACK for the 486, on the same connection.
        #expect(await callee.waitForExit() == 0, "SIPp: \(callee.log.suffix(600))")
        withExtendedLifetime(directory) {}
    }

    @Test func aCalleeHangingUpOverTCPGetsItsBYEAnswered() async throws {
        // SIPp sends its BYE on the connection we opened; our 200 goes back on it (§18.2.2).
        let (result, callee, directory) = try await call("uas-answer-hangup.xml", "+15551230043")
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        #expect(try ended(result.stdout)["reason_code"] == "client-disconnected")
        #expect(await callee.waitForExit() == 0, "SIPp: \(callee.log.suffix(600))")
        withExtendedLifetime(directory) {}
    }

    @Test func nobodyListeningFailsAtOnceNotAfterTimerB() async throws {
        let directory = try Workspace()
        // Below the ephemeral range: a free ephemeral port can be a listener's (bound to port 0) by
        // the time campaignd connects, and a fresh-clone run got "connection … closed" from one.
        let closedPort = try SIPpCallee.freeTCPPortBelowEphemeralRange()
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "down", "host": "127.0.0.1", "port": \(closedPort), "transport": "tcp"}],
             "sip": {"bindAddress": "127.0.0.1", "t1Ms": 500},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111"}}
            """)
        let started = Date()
        let result = try await CampaigndProcess.run(["call", "+15551230044", "--json"], in: directory.path)
        let end = try ended(result.stdout)
        #expect(end["status"] == "failed")
        #expect(end["reason_code"] == "error")
        #expect(end["reason"]?.contains("connection to 127.0.0.1:\(closedPort);transport=tcp failed") == true, "\(end)")
        // Timer B would be 32 s at this T1: the refused connect ends the INVITE's transaction at once.
        #expect(Date().timeIntervalSince(started) < 10)
    }

    @Test func aCallWithMediaOverATCPTrunk() async throws {
        // Signalling on TCP, RTP on UDP: SIPp streams "Hello." and AMD hears a person.
        let campaign = """
            {"name": "TCP media", "contacts": [{"target": "+15557770045"}], "machineDetection": "detect", "onHuman": {"play": "hello.wav"}}
            """
        let setup = try await MediaCallTests.setUp(scenario: "uas-stream.xml.in", replacing: ["CLIP": MediaCallTests.fixtures + "/human-hello.ulaw"],
                                             campaign: campaign, rtpBase: 31740, tcp: true)
        let (cdr, _) = try await MediaCallTests.runOnce(setup)
        #expect(cdr["status"] as? String == "completed", "\(cdr)")
        #expect(cdr["machineDetection"] as? String == "amd_human_detected")
        #expect(cdr["reasonCode"] as? String == "dialer-disconnected")
        #expect(setup.callee.messages.contains("Via: SIP/2.0/TCP"))
    }

    @Test func throughKamailioOverTCPWithChallengesAndRecordRoute() async throws {
        let directory = try Workspace()
        let callee = try await SIPpCallee(scenario: "uas-answer.xml", in: directory.path)
        let proxy = try await KamailioProxy(calleePort: callee.port, in: directory.path)
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "carrier", "host": "127.0.0.1", "port": \(proxy.port), "transport": "tcp",
                         "username": "dialer", "password": "s3cret"}],
             "sip": {"bindAddress": "127.0.0.1", "t1Ms": 100},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111"}}
            """)
        let result = try await directory.campaignd("call", "+15551230046", "--hangup-after", "1", "--json")
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        let end = try ended(result.stdout)
        #expect(end["status"] == "completed")
        #expect(end["reason_code"] == "dialer-disconnected")
        #expect(await callee.waitForExit() == 0, "SIPp: \(callee.log.suffix(600))")
        await proxy.stop()
        let log = proxy.log
        // The INVITE and the BYE were each challenged and resent with credentials over TCP; ACK and
        // BYE followed the Route set (the proxy's TCP Record-Route on our side).
        #expect(log.contains("authenticated INVITE from dialer"), "Kamailio: \(log.suffix(800))")
        #expect(log.contains("challenging BYE"))
        #expect(log.contains("authenticated BYE from dialer"))
        #expect(log.contains("in-dialog ACK routed by its Route header"))
        #expect(log.contains("in-dialog BYE routed by its Route header"))
        #expect(callee.messages.contains("transport=tcp"), "the callee saw the proxy's double Record-Route")
        #expect(callee.messages.contains("Via: SIP/2.0/TCP 127.0.0.1:"), "our Via, under the proxy's")
    }
}
