import Foundation
import Testing

/// A trunk's outbound proxy, domains, realm and asserted identity (issue 15), against SIPp.
@Suite(.serialized) struct TrunkSettingsTests {
    func ended(_ output: String) throws -> [String: String] {
        let events = output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
        return try #require(events.last { $0["event"] == "ended" }, "no ended event in \(output)")
    }

    @Test func packetsGoToTheOutboundProxyWithTheTrunksDomainsAndAssertedIdentity() async throws {
        let directory = try Workspace()
        let proxy = try await SIPpCallee(scenario: "uas-trunk-identity.xml", in: directory.path)
        // The trunk's own host never resolves: every packet goes to the outbound proxy.
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "carrier", "host": "sbc.carrier.invalid", "outboundProxy": "127.0.0.1:\(proxy.port)",
                         "domain": "carrier.example.com", "fromDomain": "dialer.example.com", "assertIdentity": true}],
             "sip": {"bindAddress": "127.0.0.1", "t1Ms": 100},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111"}}
            """)
        let result = try await CampaigndProcess.run(["call", "+15551230061", "--hangup-after", "0", "--json"], in: directory.path)
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        #expect(try ended(result.stdout)["status"] == "completed")
        // SIPp checked the Request-URI, To, From, Route, P-Asserted-Identity and Privacy it got.
        #expect(await proxy.waitForExit() == 0, "SIPp: \(proxy.log.suffix(800)) \(proxy.messages.prefix(1200))")
    }

    @Test(arguments: [("sipp.test", true), ("carrier.example.com", false)])
    func credentialsGoOnlyToTheTrunksRealm(realm: String, answered: Bool) async throws {
        let directory = try Workspace()
        // SIPp challenges with realm "sipp.test" and checks the digest.
        let callee = try await SIPpCallee(scenario: "uas-auth.xml", in: directory.path)
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "carrier", "host": "127.0.0.1", "port": \(callee.port), "username": "dialer", "password": "s3cret",
                         "realm": "\(realm)"}],
             "sip": {"bindAddress": "127.0.0.1", "t1Ms": 100},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111"}}
            """)
        let result = try await CampaigndProcess.run(["call", "+15551230062", "--hangup-after", "0", "--json"], in: directory.path)
        let end = try ended(result.stdout)
        if answered {
            #expect(end["status"] == "completed", "\(result.stdout)")
            #expect(await callee.waitForExit() == 0, "SIPp: \(callee.log.suffix(600))")
        } else {
            // Another realm's challenge is not answered: the 401 ends the call, and SIPp never saw a digest.
            #expect(end["status"] == "failed")
            #expect(end["sip_code"] == "401", "\(end)")
            #expect(!callee.messages.contains("Authorization:"))
            callee.stop()
        }
        #expect(!result.stdout.contains("s3cret") && !result.stderr.contains("s3cret"))
    }
}

extension TrunkSettingsTests {
    @Test func badTrunkSettingsAreConfigurationErrors() async throws {
        let directory = try Workspace()
        try directory.write("bad.json", """
            {
              "trunks": [{"name": "a", "host": "[::1]x", "transport": "sctp"},
                         {"name": "b", "host": "127.0.0.1", "outboundProxy": "sips:proxy.example.com", "expires": 5}],
              "sip": {"bindAddress": "not-an-address"}
            }
            """)
        let result = try await directory.campaignd("--config", "bad.json", "status")
        #expect(result.exitCode == 3)
        #expect(result.stderr.contains("bad.json:2: trunks[0].host: \"[::1]x\" is not a host, [IPv6 address] or [IPv6 address]:port"), "\(result.stderr)")
        #expect(result.stderr.contains("bad.json:2: trunks[0].transport: transport \"sctp\" is not supported; expected \"udp\" or \"tcp\""))
        #expect(result.stderr.contains("bad.json:3: trunks[1].outboundProxy: \"sips:proxy.example.com\" is not host[:port] or a sip: URI"))
        #expect(result.stderr.contains("bad.json:3: trunks[1].expires: 5 is out of range; expected 10 to 604800"))
        #expect(result.stderr.contains("bad.json:4: sip.bindAddress: \"not-an-address\" is not an IPv4 or IPv6 address"))
    }
}
