import Foundation
import Testing

/// A registering trunk (RFC 3261 §10) against Kamailio's registrar, which challenges the REGISTER
/// and refuses INVITEs from a dialer it holds no binding for.
@Suite(.serialized) struct RegistrationTests {
    func events(_ output: String) -> [[String: String]] {
        output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
    }

    @Test(arguments: ["udp", "tcp"])
    func aCallGoesOutOnceTheTrunkIsRegistered(transport: String) async throws {
        let directory = try Workspace()
        let callee = try await SIPpCallee(scenario: "uas-answer.xml", in: directory.path)
        let registrar = try await KamailioProxy(calleePort: callee.port, template: KamailioProxy.registrarTemplate, in: directory.path)
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "pbx", "host": "127.0.0.1", "port": \(registrar.port), "transport": "\(transport)",
                         "username": "dialer", "password": "s3cret", "register": true, "expires": 60}],
             "sip": {"bindAddress": "127.0.0.1", "t1Ms": 100},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111"}}
            """)
        let result = try await CampaigndProcess.run(["call", "+15551230071", "--hangup-after", "0", "--json"], in: directory.path)
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        let names = events(result.stdout).compactMap { $0["event"] }
        // Registered first (after the 401), then the call; unregistered (Expires: 0) at the end.
        #expect(names.first == "registered", "\(result.stdout)")
        #expect(names.contains("answered"))
        #expect(events(result.stdout).first?["expires"] == "60")
        #expect(await callee.waitForExit() == 0, "SIPp: \(callee.log.suffix(600))")
        registrar.stop()
        let log = registrar.log
        #expect(log.contains("challenging REGISTER for sip:dialer@127.0.0.1"), "Kamailio: \(log.suffix(1200))")
        #expect(log.contains("registered sip:dialer@127.0.0.1 expires 60"))
        #expect(log.contains("INVITE from the registered dialer"))
        #expect(!log.contains("refusing INVITE"))
        #expect(log.contains("registered sip:dialer@127.0.0.1 expires 0"), "our binding was removed on the way out")
        #expect(!result.stdout.contains("s3cret") && !result.stderr.contains("s3cret"))
    }

    @Test func aWrongPasswordLeavesTheTrunkUnregisteredAndNoCallGoesOut() async throws {
        let directory = try Workspace()
        let registrar = try await KamailioProxy(calleePort: 9, template: KamailioProxy.registrarTemplate, in: directory.path)
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "pbx", "host": "127.0.0.1", "port": \(registrar.port), "username": "dialer", "password": "wrong",
                         "register": true}],
             "sip": {"bindAddress": "127.0.0.1", "t1Ms": 20},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111"}}
            """)
        let result = try await CampaigndProcess.run(["call", "+15551230072", "--json"], in: directory.path)
        #expect(result.exitCode != 0)
        let lines = events(result.stdout)
        let failure = try #require(lines.first { $0["event"] == "registration-failed" }, "\(result.stdout)")
        #expect(failure["sip_code"] == "401")
        #expect(failure["retry_in_sec"] == "30")
        #expect(lines.contains { $0["event"] == "not-registered" })
        #expect(!lines.contains { $0["event"] == "invite-sent" })
        registrar.stop()
        #expect(!registrar.log.contains("INVITE"))
    }

    @Test(arguments: [true, false])
    func runOnceEndsWhenTheTrunkCannotRegisterAndLeavesItsContactsQueued(registrarAnswers: Bool) async throws {
        let directory = try Workspace()
        // Kamailio refusing the wrong password (401), or a registrar that never answers (Timer F: 64 × 20 ms).
        let kamailio = registrarAnswers ? try await KamailioProxy(calleePort: 9, template: KamailioProxy.registrarTemplate, in: directory.path) : nil
        let silent = registrarAnswers ? nil : try SilentUDPPeer()
        let port = kamailio?.port ?? silent?.port ?? 0
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "pbx", "host": "127.0.0.1", "port": \(port), "username": "dialer", "password": "wr0ng-pa55", "register": true}],
             "sip": {"bindAddress": "127.0.0.1", "port": 0, "t1Ms": 20},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111", "timezone": "UTC",
                          "window": {"start": "00:00", "end": "24:00"}}}
            """)
        try directory.write("campaigns/spring.json", #"{"name": "Spring", "contacts": [{"target": "+15551230081"}, {"target": "+15551230082"}]}"#)
        let started = Date()
        let result = try await directory.campaignd("run", "--once")
        let took = Date().timeIntervalSince(started)
        // Exit code 4 (operation failed), soon, naming the trunk and what the registrar said.
        #expect(result.exitCode == 4, "\(result.stdout)\(result.stderr)")
        #expect(took < 30, "took \(took) s")
        let answer = registrarAnswers ? "401 Unauthorized" : "no response to REGISTER"
        #expect(result.stderr.contains("trunk pbx did not register (the registrar's last answer: \(answer)); its campaigns' contacts are still queued"),
                "\(result.stderr)")
        // Queued, not failed: the next run dials them.
        let counts = try #require(try await directory.statusCounts()["spring"])
        #expect(counts["pending"] as? Int == 2, "\(counts)")
        #expect(counts["failed"] as? Int == 0)
        #expect(!result.stdout.contains("wr0ng-pa55") && !result.stderr.contains("wr0ng-pa55"))
        if let kamailio {
            kamailio.stop()
            #expect(kamailio.log.contains("challenging REGISTER for sip:dialer@127.0.0.1"), "\(kamailio.log.suffix(1200))")
            #expect(!kamailio.log.contains("INVITE"))
        }
        if let silent {
            let received = silent.received()
            #expect(received.contains { $0.hasPrefix("REGISTER ") })
            #expect(!received.contains { $0.hasPrefix("INVITE ") })
        }
    }
}
