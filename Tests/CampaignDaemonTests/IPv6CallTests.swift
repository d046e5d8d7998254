import Foundation
import Testing

/// SIP and RTP over IPv6 (issue 15): campaignd bound to ::1 calling SIPp on ::1, with the trunk
/// written as `[::1]:port`. SIPp's scenarios check what they receive; the tests check the outcome.
@Suite(.serialized) struct IPv6CallTests {
    func ended(_ output: String) throws -> [String: String] {
        let events = output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
        return try #require(events.last { $0["event"] == "ended" }, "no ended event in \(output)")
    }

    @Test(arguments: [false, true])
    func anAnsweredCallToATrunkOnIPv6(tcp: Bool) async throws {
        let directory = try Workspace()
        let callee = try await SIPpCallee(scenario: "uas-answer.xml", tcp: tcp, ip: "::1", in: directory.path)
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "v6", "host": "[::1]:\(callee.port)", "transport": "\(tcp ? "tcp" : "udp")"}],
             "sip": {"bindAddress": "::1", "t1Ms": 100},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111"}}
            """)
        let result = try await CampaigndProcess.run(["call", "+15551230051", "--hangup-after", "1", "--json"], in: directory.path)
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        #expect(try ended(result.stdout)["status"] == "completed")
        #expect(await callee.waitForExit() == 0, "SIPp: \(callee.log.suffix(600))")
        let messages = callee.messages
        // RFC 3261 §25.1: an IPv6 reference in brackets in the Request-URI, Via and Contact; none in SDP.
        #expect(messages.contains("INVITE sip:+15551230051@[::1]:\(callee.port);user=phone SIP/2.0"))
        #expect(messages.contains("Via: SIP/2.0/\(tcp ? "TCP" : "UDP") [::1]:"))
        #expect(messages.contains("Contact: <sip:campaignd@[::1]:"))
        #expect(messages.contains("c=IN IP6 ::1"))
        withExtendedLifetime(directory) {}
    }

    @Test func mediaOverIPv6() async throws {
        // SIPp streams "Hello." to our RTP socket on ::1; AMD hears a person and the prompt plays.
        let campaign = """
            {"name": "IPv6 media", "contacts": [{"target": "+15557770052"}], "machineDetection": "detect", "onHuman": {"play": "hello.wav"}}
            """
        let setup = try await MediaCallTests.setUp(scenario: "uas-stream.xml.in", replacing: ["CLIP": MediaCallTests.fixtures + "/human-hello.ulaw"],
                                             campaign: campaign, rtpBase: 31760, ip: "::1")
        let (cdr, _) = try await MediaCallTests.runOnce(setup)
        #expect(cdr["status"] as? String == "completed", "\(cdr)")
        #expect(cdr["machineDetection"] as? String == "amd_human_detected")
        #expect(cdr["reasonCode"] as? String == "dialer-disconnected")
    }

    @Test func anIPv6TrunkFromAnIPv4SocketIsRefusedWithAHint() async throws {
        let directory = try Workspace()
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "v6", "host": "::1", "port": 5999}],
             "sip": {"bindAddress": "127.0.0.1", "t1Ms": 100},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111"}}
            """)
        let result = try await CampaigndProcess.run(["call", "+15551230053", "--json"], in: directory.path)
        let end = try ended(result.stdout)
        #expect(end["reason_code"] == "error")
        #expect(end["reason"]?.contains("set sip.bindAddress to an address of the same family") == true, "\(end)")
    }
}
