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
        await registrar.stop()
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
        await registrar.stop()
        #expect(!registrar.log.contains("INVITE"))
    }

    /// `campaignd status --json`'s registering trunks: name → registration.
    func trunkStatuses(_ directory: Workspace) async throws -> [String: String] {
        let result = try await directory.campaignd("status", "--json")
        #expect(result.exitCode == 0, "status failed: \(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let trunks = object?["trunks"] as? [[String: String]] ?? []
        return Dictionary(uniqueKeysWithValues: trunks.map { ($0["name"] ?? "", $0["registration"] ?? "") })
    }

    /// Polls `status --json` (and the metrics page) until `done` says so, for at most `seconds`.
    func waitForTrunk(_ directory: Workspace, metricsPort: Int, seconds: Double,
                      until done: ([String: String], String) -> Bool) async throws -> (status: [String: String], metrics: String) {
        let deadline = Date().addingTimeInterval(seconds)
        var last: ([String: String], String) = ([:], "")
        while Date() < deadline {
            let page = try await MetricsTests().fetch("http://127.0.0.1:\(metricsPort)/metrics", in: directory.path) ?? ""
            last = (try await trunkStatuses(directory), page)
            if done(last.0, last.1) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        return last
    }

    /// The `api` section the registration tests add, so `GET /v1/status` can be asked too.
    static let apiSection = #""api": {"listen": "127.0.0.1:0", "keys": [{"name": "ops", "secret": "ops-secret-0123456789", "scopes": ["read"]}]}"#

    /// Trunk `name`'s registration as `GET /v1/status` reports it (the API's port read from the log line).
    func apiRegistration(_ directory: Workspace, trunk name: String) async throws -> String? {
        guard let line = log(directory).split(separator: "\n").first(where: { $0.contains("HTTP API listening") }),
              let address = line.split(separator: " ").first(where: { $0.hasPrefix("address=") }) else { return nil }
        let url = "http://" + address.dropFirst("address=".count) + "/v1/status"
        let result = try await CampaigndProcess.runTool("/usr/bin/python3", ["-c", """
            import urllib.request, sys
            request = urllib.request.Request(sys.argv[1], headers={"Authorization": "Bearer ops-secret-0123456789"})
            sys.stdout.write(urllib.request.urlopen(request, timeout=2).read().decode())
            """, url], in: directory.path)
        guard result.exitCode == 0, let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else { return nil }
        return (object["trunks"] as? [[String: Any]] ?? []).first { $0["name"] as? String == name }?["registration"] as? String
    }

    func metric(_ page: String, _ series: String) -> Int? {
        MetricsTests().value(page, series)
    }

    /// The daemon's log, for a failing expectation.
    func log(_ directory: Workspace) -> String {
        (try? String(contentsOfFile: directory.path + "/daemon.log", encoding: .utf8)) ?? ""
    }

    @Test func theRegistrationIsShownWhileItWaitsForTheRegistrarAndOnceItFailed() async throws {
        let directory = try Workspace()
        // A registrar that takes the REGISTER and never answers: Timer F (64 × T1 = 32 s) ends it, long
        // enough for a daemon started on a loaded machine to be seen registering first.
        let registrar = try SilentUDPPeer()
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "pbx", "host": "127.0.0.1", "port": \(registrar.port), "username": "dialer", "password": "s3cret",
                         "register": true}],
             "sip": {"bindAddress": "127.0.0.1", "port": 0, "t1Ms": 500},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111"}, \(Self.apiSection)}
            """)
        let metricsPort = try SIPpCallee.freeTCPPort()
        let daemon = try CampaigndProcess.start(["run", "--metrics", "127.0.0.1:\(metricsPort)"], in: directory.path,
                                                logPath: directory.path + "/daemon.log")
        defer { Child.kill(daemon) }
        let registering = try await waitForTrunk(directory, metricsPort: metricsPort, seconds: 25) { status, page in
            status["pbx"] != nil && metric(page, "campaignd_trunk_registered{trunk=\"pbx\"}") != nil
        }
        #expect(registering.status["pbx"] == "registering (no answer from the registrar yet)", "\(log(directory))")
        #expect(metric(registering.metrics, "campaignd_trunk_registered{trunk=\"pbx\"}") == 0, "\(registering.metrics)")
        #expect(metric(registering.metrics, "campaignd_trunk_registration_state{trunk=\"pbx\",state=\"registering\"}") == 1)
        #expect(metric(registering.metrics, "campaignd_trunk_registration_state{trunk=\"pbx\",state=\"failed\"}") == 0)
        // The status file says "registering" from the start; the REGISTER and the API come a moment
        // later on a loaded machine (waited for, bounded: Timer F is 32 s away).
        var datagrams: [String] = []
        var viaAPI: String?
        let deadline = Date().addingTimeInterval(20)
        repeat {
            datagrams += registrar.received()
            // The API is asked (a Python client each time) only once the REGISTER is out.
            if datagrams.contains(where: { $0.hasPrefix("REGISTER ") }) {
                viaAPI = try await apiRegistration(directory, trunk: "pbx")
                if viaAPI != nil { break }
            }
            try await Task.sleep(for: .milliseconds(100))
        } while Date() < deadline
        #expect(datagrams.contains { $0.hasPrefix("REGISTER sip:127.0.0.1 SIP/2.0") }, "\(datagrams)")
        #expect(viaAPI == "registering", "GET /v1/status: \(log(directory))")

        let failed = try await waitForTrunk(directory, metricsPort: metricsPort, seconds: 60) { status, page in
            status["pbx"]?.hasPrefix("not registered") == true
                && metric(page, "campaignd_trunk_registration_state{trunk=\"pbx\",state=\"failed\"}") == 1
        }
        #expect(failed.status["pbx"] == "not registered: no response to REGISTER, retry in 30 s", "\(log(directory))")
        #expect(metric(failed.metrics, "campaignd_trunk_registration_state{trunk=\"pbx\",state=\"failed\"}") == 1, "\(failed.metrics)")
        #expect(metric(failed.metrics, "campaignd_trunk_registration_state{trunk=\"pbx\",state=\"registering\"}") == 0)
        #expect(metric(failed.metrics, "campaignd_trunk_registered{trunk=\"pbx\"}") == 0)
        #expect(try await apiRegistration(directory, trunk: "pbx") == "failed", "GET /v1/status")

        kill(daemon.processIdentifier, SIGTERM)
        #expect(await Child.waitForExit(daemon, seconds: 15) == 0, "\(log(directory))")
        // A stopped daemon's registrations are not shown as if current.
        #expect(try await trunkStatuses(directory).isEmpty)
        #expect(!log(directory).contains("s3cret"))
    }

    @Test func theRegistrationIsShownOnceTheRegistrarGrantedIt() async throws {
        let directory = try Workspace()
        let registrar = try await KamailioProxy(calleePort: 9, template: KamailioProxy.registrarTemplate, in: directory.path)
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "pbx", "host": "127.0.0.1", "port": \(registrar.port), "username": "dialer", "password": "s3cret",
                         "register": true, "expires": 60}],
             "sip": {"bindAddress": "127.0.0.1", "port": 0, "t1Ms": 500},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111"}, \(Self.apiSection)}
            """)
        // T1 500 ms: Timer F (32 s) leaves a Kamailio slow to start its workers on a loaded machine
        // time to answer a retransmission.
        let metricsPort = try SIPpCallee.freeTCPPort()
        let daemon = try CampaigndProcess.start(["run", "--metrics", "127.0.0.1:\(metricsPort)"], in: directory.path,
                                                logPath: directory.path + "/daemon.log")
        defer { Child.kill(daemon) }
        let registered = try await waitForTrunk(directory, metricsPort: metricsPort, seconds: 40) { status, page in
            status["pbx"]?.hasPrefix("registered") == true && metric(page, "campaignd_trunk_registered{trunk=\"pbx\"}") == 1
        }
        #expect(registered.status["pbx"] == "registered (expires 60 s, refreshed before)", "\(log(directory))")
        #expect(metric(registered.metrics, "campaignd_trunk_registered{trunk=\"pbx\"}") == 1, "\(registered.metrics)")
        #expect(metric(registered.metrics, "campaignd_trunk_registration_state{trunk=\"pbx\",state=\"registered\"}") == 1)
        #expect(metric(registered.metrics, "campaignd_trunk_registration_state{trunk=\"pbx\",state=\"registering\"}") == 0)
        #expect(try await apiRegistration(directory, trunk: "pbx") == "registered", "GET /v1/status")
        // The human-readable status says the same.
        let text = try await directory.campaignd("status")
        #expect(text.stdout.contains("trunk pbx: registered (expires 60 s, refreshed before) since "), "\(text.stdout)")

        kill(daemon.processIdentifier, SIGTERM)
        #expect(await Child.waitForExit(daemon, seconds: 15) == 0, "\(log(directory))")
        #expect(try await trunkStatuses(directory).isEmpty)
        await registrar.stop()
        #expect(registrar.log.contains("registered sip:dialer@127.0.0.1 expires 0"), "our binding was removed on the way out")
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
            await kamailio.stop()
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
