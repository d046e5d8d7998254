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
        let resolver = DNSResolver(server: "127.0.0.1:\(dns.port)")
        #expect(try await resolver.addresses(of: "plain.test") == ["127.0.0.3"])
        // Asked again: the A record (TTL 600) comes from the cache; the AAAA question had no answer
        // and no SOA (nothing to cache it for), so the server is asked it again. The server's log says
        // which questions reached it (stopping the server instead was flaky: another test's dnsmasq
        // could bind the freed port and answer).
        #expect(try await resolver.lookup("plain.test", .a) == [.a(name: "plain.test", address: "127.0.0.3", ttl: 600)])
        #expect(try await resolver.lookup("plain.test", .aaaa) == [])
        let log = dns.log
        #expect(log.components(separatedBy: "query[A] plain.test").count - 1 == 1, "\(log)")
        #expect(log.components(separatedBy: "query[AAAA] plain.test").count - 1 == 2, "\(log)")
    }

    func workspace(dnsPort: Int, directory: Workspace) throws {
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "carrier", "host": "trunk.test"}],
             "sip": {"bindAddress": "127.0.0.1", "port": 0, "t1Ms": 100, "dnsServer": "127.0.0.1:\(dnsPort)"},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111", "timezone": "UTC",
                          "window": {"start": "00:00", "end": "24:00"}, "maxRetryNo": 0}}
            """)
    }

    func ended(_ output: String) throws -> [String: String] {
        let line = try #require(output.split(separator: "\n").last { $0.contains("\"event\":\"ended\"") })
        return try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
    }

    /// The INVITEs in a SIPp message log (-trace_msg) or in raw datagrams: Request-URI, Call-ID, From tag and Via branch.
    struct Invite: Equatable {
        var requestURI: String
        var callID: String
        var fromTag: String
        var branch: String

        init?(_ text: Substring) {
            let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            guard let start = lines.first(where: { !$0.isEmpty }), start.hasPrefix("INVITE ") else { return nil }
            func header(_ name: String) -> String? {
                lines.first { $0.lowercased().hasPrefix(name.lowercased() + ":") }.map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
            }
            func parameter(_ name: String, of value: String?) -> String? {
                value?.split(separator: ";").first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
            }
            guard let callID = header("Call-ID"), let fromTag = parameter("tag", of: header("From")),
                  let branch = parameter("branch", of: header("Via")) else { return nil }
            requestURI = String(start.split(separator: " ")[1])
            self.callID = callID
            self.fromTag = fromTag
            self.branch = branch
        }

        static func received(by callee: SIPpCallee) -> [Invite] {
            callee.messages.components(separatedBy: "message received").dropFirst().compactMap { Invite(Substring($0.drop { !$0.isNewline })) }
        }
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
        #expect(end["reason"]?.hasSuffix("trunk targets tried: 127.0.0.1:\(refusing.port) 503 Service Unavailable, then 127.0.0.1:\(answering.port)") == true,
                "\(end)")
        // One call for whoever watches it: one invite-sent, one ended.
        #expect(result.stdout.components(separatedBy: "\"event\":\"invite-sent\"").count - 1 == 1)
        #expect(await refusing.waitForExit() == 0, "SIPp 503: \(refusing.log.suffix(600))")
        #expect(await answering.waitForExit() == 0, "SIPp answering: \(answering.log.suffix(600))")
        // RFC 3263 §4.3: the same request in a new transaction (new branch); the Request-URI names
        // the trunk's domain without a port, as a URI resolved by SRV does.
        let first = try #require(Invite.received(by: refusing).first, "\(refusing.messages)")
        let second = try #require(Invite.received(by: answering).first, "\(answering.messages)")
        #expect(Invite.received(by: refusing).count == 1 && Invite.received(by: answering).count == 1)
        #expect(first.requestURI == "sip:+15551230001@trunk.test;user=phone")
        #expect(second.requestURI == first.requestURI)
        #expect(second.callID == first.callID && second.fromTag == first.fromTag)
        #expect(second.branch != first.branch)
    }

    @Test func firstTargetSilentUntilTimerBAndTheCallCompletesOnTheSecond() async throws {
        let directory = try Workspace()
        let answering = try await SIPpCallee(scenario: "uas-answer.xml", in: directory.path)
        // The first target receives the INVITE and its retransmissions and answers none: Timer B
        // (64·T1 = 6.4 s) ends that transaction and the call goes on to the second.
        let silent = try SilentUDPPeer()
        let dns = try await DNSMasqServer(
            srv: [("_sip._udp.trunk.test", "first.trunk.test", silent.port, 10, 0),
                  ("_sip._udp.trunk.test", "second.trunk.test", answering.port, 20, 0)],
            hosts: [("first.trunk.test", "127.0.0.1"), ("second.trunk.test", "127.0.0.1")], in: directory.path)
        try workspace(dnsPort: dns.port, directory: directory)
        let started = Date()
        let result = try await directory.campaignd("call", "+15551230002", "--hangup-after", "0", "--json")
        let took = Date().timeIntervalSince(started)
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        let end = try ended(result.stdout)
        #expect(end["status"] == "completed")
        #expect(end["trunk_target"] == "127.0.0.1:\(answering.port)")
        #expect(end["reason"]?.hasSuffix("trunk targets tried: 127.0.0.1:\(silent.port) no response to INVITE (Timer B), then 127.0.0.1:\(answering.port)") == true,
                "\(end)")
        #expect(took >= 6.4, "the first target was given Timer B (\(took) s)")
        #expect(await answering.waitForExit() == 0, "SIPp answering: \(answering.log.suffix(600))")
        // Timer A retransmitted the first INVITE (same branch); the second target got the same call in a new transaction.
        let unanswered = silent.received().compactMap { Invite(Substring($0)) }
        let second = try #require(Invite.received(by: answering).first, "\(answering.messages)")
        #expect(unanswered.count >= 5, "\(unanswered.count) INVITEs to the silent target")
        #expect(Set(unanswered.map(\.branch)).count == 1)
        #expect(unanswered.first?.callID == second.callID && unanswered.first?.branch != second.branch)
    }

    @Test func everyTargetRefusingEndsTheCallWithTheLastAnswer() async throws {
        let directory = try Workspace()
        let first = try await SIPpCallee(scenario: "uas-reject-with-header.xml.in",
                                         replacing: ["CODE": "503", "REASON": "Service Unavailable", "HEADER": "Retry-After: 120"], in: directory.path)
        let second = try await SIPpCallee(scenario: "uas-reject-with-header.xml.in",
                                          replacing: ["CODE": "503", "REASON": "Service Unavailable", "HEADER": "Retry-After: 60"], in: directory.path)
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
        #expect(end["reason"] == "Service Unavailable; trunk targets tried: 127.0.0.1:\(first.port) 503 Service Unavailable, then 127.0.0.1:\(second.port)")
        // The trunk is back when its first target is: the smaller Retry-After.
        #expect(end["retry_after"] == "60")
        #expect(await first.waitForExit() == 0, "SIPp first: \(first.log.suffix(600))")
        #expect(await second.waitForExit() == 0, "SIPp second: \(second.log.suffix(600))")
    }

    @Test func anExplicitPortSkipsSRV() async throws {
        let directory = try Workspace()
        let answering = try await SIPpCallee(scenario: "uas-answer.xml", in: directory.path)
        // The SRV record points elsewhere (at a port nothing answers on): with a port named, only the A record counts.
        let dns = try await DNSMasqServer(srv: [("_sip._udp.trunk.test", "other.trunk.test", 9, 10, 0)],
                                          hosts: [("trunk.test", "127.0.0.1"), ("other.trunk.test", "127.0.0.1")], in: directory.path)
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "carrier", "host": "trunk.test", "port": \(answering.port)}],
             "sip": {"bindAddress": "127.0.0.1", "port": 0, "t1Ms": 100, "dnsServer": "127.0.0.1:\(dns.port)"},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111"}}
            """)
        let result = try await directory.campaignd("call", "+15551230005", "--hangup-after", "0", "--json")
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        #expect(try ended(result.stdout)["trunk_target"] == "127.0.0.1:\(answering.port)")
        #expect(await answering.waitForExit() == 0, "SIPp answering: \(answering.log.suffix(600))")
        #expect(Invite.received(by: answering).first?.requestURI == "sip:+15551230005@trunk.test:\(answering.port);user=phone")
        #expect(!dns.log.contains("_sip._udp"), "\(dns.log)")
    }

    @Test func aCampaignsCallFailsOverAndItsCDRSaysWhere() async throws {
        let directory = try Workspace()
        let refusing = try await SIPpCallee(scenario: "uas-reject.xml.in", replacing: ["CODE": "503", "REASON": "Service Unavailable"],
                                            in: directory.path)
        // The callee hangs up: a campaign with nothing to play leaves that to it.
        let answering = try await SIPpCallee(scenario: "uas-answer-hangup.xml", in: directory.path)
        let dns = try await DNSMasqServer(
            srv: [("_sip._udp.trunk.test", "first.trunk.test", refusing.port, 10, 0),
                  ("_sip._udp.trunk.test", "second.trunk.test", answering.port, 20, 0)],
            hosts: [("first.trunk.test", "127.0.0.1"), ("second.trunk.test", "127.0.0.1")], in: directory.path)
        try workspace(dnsPort: dns.port, directory: directory)
        try directory.write("campaigns/spring.json", #"{"name": "Spring", "contacts": [{"target": "+15551230006"}]}"#)
        let result = try await directory.campaignd("run", "--once")
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr.suffix(2000))")
        #expect(await refusing.waitForExit() == 0, "SIPp 503: \(refusing.log.suffix(600))")
        #expect(await answering.waitForExit() == 0, "SIPp answering: \(answering.log.suffix(600))")
        let cdr = try MediaCallTests.onlyCDR(directory)
        #expect(cdr["status"] as? String == "completed", "\(cdr)")
        #expect(cdr["trunk"] as? String == "carrier")
        #expect((cdr["reason"] as? String)?.hasSuffix("trunk targets tried: 127.0.0.1:\(refusing.port) 503 Service Unavailable, then 127.0.0.1:\(answering.port)") == true,
                "\(cdr)")
        #expect(cdr["sipCallId"] as? String == Invite.received(by: answering).first?.callID)
        // The trunk took the call: a 503 from one of its targets is no back-pressure on it.
        #expect(!result.stderr.contains("trunk rate changed"), "\(result.stderr)")
        #expect(try await directory.statusCounts()["spring"]?["done"] as? Int == 1)
    }

    @Test func aCallWithMediaFailsOverOnItsOneRTPPortAndPlaysItsPrompt() async throws {
        let directory = try Workspace()
        let refusing = try await SIPpCallee(scenario: "uas-reject.xml.in", replacing: ["CODE": "503", "REASON": "Service Unavailable"],
                                            in: directory.path)
        let answering = try await SIPpCallee(scenario: "uas-answer.xml", extraArguments: ["-mi", "127.0.0.1", "-mp", String(try SIPpCallee.freeUDPPort())],
                                             in: directory.path)
        let dns = try await DNSMasqServer(
            srv: [("_sip._udp.trunk.test", "first.trunk.test", refusing.port, 10, 0),
                  ("_sip._udp.trunk.test", "second.trunk.test", answering.port, 20, 0)],
            hosts: [("first.trunk.test", "127.0.0.1"), ("second.trunk.test", "127.0.0.1")], in: directory.path)
        // One RTP port (and its RTCP port) in the pool: the second target's attempt takes the first's.
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "carrier", "host": "trunk.test"}],
             "sip": {"bindAddress": "127.0.0.1", "port": 0, "t1Ms": 100, "dnsServer": "127.0.0.1:\(dns.port)",
                     "rtpPortMin": 31840, "rtpPortMax": 31841},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111"}}
            """)
        try MediaCallTests.promptWAV(hz: 660, seconds: 1).write(to: URL(fileURLWithPath: directory.path + "/hello.wav"))
        let result = try await directory.campaignd("call", "+15551230009", "--play", "hello.wav", "--json")
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        let end = try ended(result.stdout)
        #expect(end["status"] == "completed")
        #expect(end["reason_code"] == "dialer-disconnected", "the prompt was played to its end: \(end)")
        #expect(end["trunk_target"] == "127.0.0.1:\(answering.port)")
        #expect(result.stdout.contains("\"event\":\"prompt-started\""))
        #expect(await refusing.waitForExit() == 0, "SIPp 503: \(refusing.log.suffix(600))")
        #expect(await answering.waitForExit() == 0, "SIPp answering: \(answering.log.suffix(600))")
        // Both INVITEs offered the one port.
        for callee in [refusing, answering] {
            #expect(callee.messages.components(separatedBy: "m=audio 31840 RTP/AVP").count - 1 == 1, "\(callee.messages)")
        }
    }

    @Test func aTargetThatAskedForAPauseIsTriedLastByTheNextCalls() async throws {
        let directory = try Workspace()
        let refusing = try await SIPpCallee(scenario: "uas-reject-with-header.xml.in",
                                            replacing: ["CODE": "503", "REASON": "Service Unavailable", "HEADER": "Retry-After: 60"],
                                            in: directory.path)
        let answering = try await SIPpCallee(scenario: "uas-answer-hangup.xml", calls: 2, in: directory.path)
        let dns = try await DNSMasqServer(
            srv: [("_sip._udp.trunk.test", "first.trunk.test", refusing.port, 10, 0),
                  ("_sip._udp.trunk.test", "second.trunk.test", answering.port, 20, 0)],
            hosts: [("first.trunk.test", "127.0.0.1"), ("second.trunk.test", "127.0.0.1")], in: directory.path)
        try workspace(dnsPort: dns.port, directory: directory)
        // One call a second: the first call's 503 has come back before the second call starts.
        try directory.write("campaigns/spring.json", """
            {"name": "Spring", "dialoutLimitPerSecond": 1, "contacts": [{"target": "+15551230007"}, {"target": "+15551230008"}]}
            """)
        let result = try await directory.campaignd("run", "--once")
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr.suffix(2000))")
        #expect(await refusing.waitForExit() == 0, "SIPp 503: \(refusing.log.suffix(600))")
        #expect(await answering.waitForExit() == 0, "SIPp answering: \(answering.log.suffix(600))")
        // RFC 3261 §21.5.4: the second call went straight to the target that had not asked for a pause.
        #expect(Invite.received(by: refusing).count == 1)
        #expect(Invite.received(by: answering).count == 2)
        let folder = directory.path + "/var/cdr"
        let records = try FileManager.default.contentsOfDirectory(atPath: folder).flatMap {
            try String(contentsOfFile: folder + "/" + $0, encoding: .utf8).split(separator: "\n")
        }.compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let byTarget = Dictionary(uniqueKeysWithValues: records.map { ($0["target"] as? String ?? "", $0) })
        #expect(byTarget["+15551230007"]?["status"] as? String == "completed")
        #expect((byTarget["+15551230007"]?["reason"] as? String)?.contains("trunk targets tried: 127.0.0.1:\(refusing.port) 503") == true)
        #expect(byTarget["+15551230008"]?["status"] as? String == "completed")
        #expect((byTarget["+15551230008"]?["reason"] as? String)?.contains("trunk targets tried") != true, "\(byTarget)")
    }

    @Test func anUnknownTrunkNameFailsTheCallSayingSo() async throws {
        let directory = try Workspace()
        let dns = try await DNSMasqServer(in: directory.path)
        try workspace(dnsPort: dns.port, directory: directory)
        let result = try await directory.campaignd("call", "+15551230004", "--json")
        #expect(result.exitCode == 6, "\(result.stdout)\(result.stderr)")
        let end = try ended(result.stdout)
        #expect(end["reason_code"] == "error")
        #expect(end["reason"] == "cannot resolve trunk carrier host trunk.test: trunk.test has no SRV, A or AAAA record (nor an address from /etc/hosts)", "\(end)")
    }
}
