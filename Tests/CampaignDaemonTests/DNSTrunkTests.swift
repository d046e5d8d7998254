import Foundation
import Telephony
import Testing

/// Trunks named by host name (RFC 3263): looked up with dnsmasq on 127.0.0.1 as the DNS server,
/// calls to SIPp callees at the SRV targets.
@Suite struct DNSTrunkTests {
    @Test func srvTargetsInPriorityOrderWithTheirAddresses() async throws {
        let directory = try Workspace()
        let dns = try await DNSMasqServer(
            srv: [("_sip._udp.trunk.test", "b.trunk.test", 5072, 20, 0), ("_sip._udp.trunk.test", "a.trunk.test", 5071, 10, 0),
                  ("_sip._tcp.trunk.test", "b.trunk.test", 5082, 10, 0)],
            hosts: [("a.trunk.test", "127.0.0.1"), ("b.trunk.test", "127.0.0.2")], in: directory.path)
        let resolver = DNSResolver(server: "127.0.0.1:\(dns.port)")
        #expect(try await resolver.destinations(host: "trunk.test", port: 5060, transport: .udp)
            == [SIPDestination(host: "127.0.0.1", port: 5071), SIPDestination(host: "127.0.0.2", port: 5072)], "\(dns.log)")
        // The transport picks the SRV service: _sip._tcp.
        #expect(try await resolver.destinations(host: "trunk.test", port: 5060, transport: .tcp)
            == [SIPDestination(host: "127.0.0.2", port: 5082, transport: .tcp)])
    }

    @Test func noSRVMeansTheNameOnTheTrunksPort() async throws {
        let directory = try Workspace()
        let dns = try await DNSMasqServer(hosts: [("plain.test", "127.0.0.3")], in: directory.path)
        let resolver = DNSResolver(server: "127.0.0.1:\(dns.port)")
        #expect(try await resolver.destinations(host: "plain.test", port: 5099, transport: .udp)
            == [SIPDestination(host: "127.0.0.3", port: 5099)])
        await #expect(throws: DNSResolver.LookupError.noAddress("missing.test")) {
            try await resolver.destinations(host: "missing.test", port: 5060, transport: .udp)
        }
    }

    @Test func answersKeptForTheirTTL() async throws {
        let directory = try Workspace()
        let dns = try await DNSMasqServer(hosts: [("plain.test", "127.0.0.3")], ttl: 600, in: directory.path)
        let resolver = DNSResolver(server: "127.0.0.1:\(dns.port)", timeout: .milliseconds(200))
        #expect(try await resolver.addresses(of: "plain.test") == ["127.0.0.3"])
        // With the server gone, the A record (TTL 600) still answers from the cache; the AAAA
        // question had no answer and no SOA (nothing to cache it for), so it is asked again, unanswered.
        dns.stop()
        #expect(try await resolver.lookup("plain.test", .a) == [.a(name: "plain.test", address: "127.0.0.3", ttl: 600)])
        await #expect(throws: DNSResolver.LookupError.self) { try await resolver.lookup("plain.test", .aaaa) }
        #expect(dns.log.components(separatedBy: "query[A] plain.test").count - 1 == 1, "\(dns.log)")
    }

    func workspace(dnsPort: Int, directory: Workspace) throws {
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "carrier", "host": "trunk.test"}],
             "sip": {"bindAddress": "127.0.0.1", "t1Ms": 100, "dnsServer": "127.0.0.1:\(dnsPort)"},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111"}}
            """)
    }

    func ended(_ output: String) throws -> [String: String] {
        let line = try #require(output.split(separator: "\n").last { $0.contains("\"event\":\"ended\"") })
        return try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
    }

    @Test func firstTargetRefusesWith503AndTheCallCompletesOnTheSecond() async throws {
        let directory = try Workspace()
        let refusing = try await SIPpCallee(scenario: "uas-reject.xml.in", replacing: ["CODE": "503", "REASON": "Service Unavailable"],
                                            in: directory.path)
        let answering = try await SIPpCallee(scenario: "uas-answer.xml", in: directory.path)
        let dns = try await DNSMasqServer(
            srv: [("_sip._udp.trunk.test", "first.trunk.test", refusing.port, 10, 0),
                  ("_sip._udp.trunk.test", "second.trunk.test", answering.port, 20, 0)],
            hosts: [("first.trunk.test", "127.0.0.1"), ("second.trunk.test", "127.0.0.1")], in: directory.path)
        try workspace(dnsPort: dns.port, directory: directory)
        let result = try await directory.campaignd("call", "+15551230001", "--hangup-after", "0", "--json")
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        let end = try ended(result.stdout)
        #expect(end["status"] == "completed")
        #expect(end["trunk_target"] == "127.0.0.1:\(answering.port)")
        // One call for the dispatcher: one invite-sent, one ended.
        #expect(result.stdout.components(separatedBy: "\"event\":\"invite-sent\"").count - 1 == 1)
        #expect(await refusing.waitForExit() == 0, "SIPp 503: \(refusing.log.suffix(600))")
        #expect(await answering.waitForExit() == 0, "SIPp answering: \(answering.log.suffix(600))")
    }

    @Test func firstTargetSilentUntilTimerBAndTheCallCompletesOnTheSecond() async throws {
        let directory = try Workspace()
        let answering = try await SIPpCallee(scenario: "uas-answer.xml", in: directory.path)
        // Nothing listens on the first target: Timer B (64·T1 = 6.4 s) ends that attempt.
        let silent = try SIPpCallee.freeUDPPort()
        let dns = try await DNSMasqServer(
            srv: [("_sip._udp.trunk.test", "first.trunk.test", silent, 10, 0),
                  ("_sip._udp.trunk.test", "second.trunk.test", answering.port, 20, 0)],
            hosts: [("first.trunk.test", "127.0.0.1"), ("second.trunk.test", "127.0.0.1")], in: directory.path)
        try workspace(dnsPort: dns.port, directory: directory)
        let result = try await directory.campaignd("call", "+15551230002", "--hangup-after", "0", "--json")
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        let end = try ended(result.stdout)
        #expect(end["status"] == "completed")
        #expect(end["trunk_target"] == "127.0.0.1:\(answering.port)")
        #expect(await answering.waitForExit() == 0, "SIPp answering: \(answering.log.suffix(600))")
    }

    @Test func everyTargetRefusingEndsTheCallWithTheLastAnswer() async throws {
        let directory = try Workspace()
        let first = try await SIPpCallee(scenario: "uas-reject.xml.in", replacing: ["CODE": "503", "REASON": "Service Unavailable"],
                                         in: directory.path)
        let second = try await SIPpCallee(scenario: "uas-reject.xml.in", replacing: ["CODE": "503", "REASON": "Service Unavailable"],
                                          in: directory.path)
        let dns = try await DNSMasqServer(
            srv: [("_sip._udp.trunk.test", "first.trunk.test", first.port, 10, 0),
                  ("_sip._udp.trunk.test", "second.trunk.test", second.port, 20, 0)],
            hosts: [("first.trunk.test", "127.0.0.1"), ("second.trunk.test", "127.0.0.1")], in: directory.path)
        try workspace(dnsPort: dns.port, directory: directory)
        let result = try await directory.campaignd("call", "+15551230003", "--json")
        #expect(result.exitCode == 6, "\(result.stdout)\(result.stderr)")
        let end = try ended(result.stdout)
        #expect(end["reason_code"] == "unavailable")
        #expect(end["sip_code"] == "503")
        #expect(end["trunk_target"] == "127.0.0.1:\(second.port)")
        #expect(await first.waitForExit() == 0, "SIPp first: \(first.log.suffix(600))")
        #expect(await second.waitForExit() == 0, "SIPp second: \(second.log.suffix(600))")
    }

    @Test func anUnknownTrunkNameFailsTheCallSayingSo() async throws {
        let directory = try Workspace()
        let dns = try await DNSMasqServer(in: directory.path)
        try workspace(dnsPort: dns.port, directory: directory)
        let result = try await directory.campaignd("call", "+15551230004", "--json")
        #expect(result.exitCode != 0)
        let end = try ended(result.stdout)
        #expect(end["reason_code"] == "error")
        #expect(end["reason"]?.contains("trunk.test has no SRV, A or AAAA record") == true, "\(end)")
    }
}
