import Foundation
import Telephony
import Testing

/// Trunk host names looked up (RFC 3263 §4.1-4.2) with dnsmasq on 127.0.0.1 as the DNS server.
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
}
