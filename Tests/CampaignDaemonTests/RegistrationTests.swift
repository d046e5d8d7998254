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
}
