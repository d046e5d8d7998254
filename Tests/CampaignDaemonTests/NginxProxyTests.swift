import Foundation
import Testing

/// deploy/nginx/campaignd-api.conf as written (ports and certificate replaced) in front of
/// `campaignd run`: curl reaches the API over TLS through it.
@Suite struct NginxProxyTests {
    @Test func theExampleConfigurationTerminatesTLSInFrontOfTheAPI() async throws {
        let nginxPath = ["/usr/sbin/nginx", "/usr/bin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let nginx = try #require(nginxPath, "nginx is not installed; run deploy/install-deps.sh")
        let directory = try Workspace()
        try directory.write("campaignd.json", """
            {"sip": {"bindAddress": "127.0.0.1", "port": 0}, "defaults": {"defaultCountryCode": "1"}, \(APIDaemon.apiSection())}
            """)
        let daemon = try await APIDaemon(in: directory.path)
        let tls = try await HTTPSWebhookTests.makeCertificate(in: directory.path)

        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var site = try String(contentsOf: root.appendingPathComponent("deploy/nginx/campaignd-api.conf"), encoding: .utf8)
        let port = try SIPpCallee.freeTCPPort()
        for (from, to) in [("server 127.0.0.1:8080;", "server 127.0.0.1:\(daemon.port);"), ("listen 443 ssl;", "listen 127.0.0.1:\(port) ssl;"),
                           ("/etc/ssl/certs/dialer.example.com.pem", tls.certificate), ("/etc/ssl/private/dialer.example.com.key", tls.key)] {
            #expect(site.contains(from), "the example no longer has \(from)")
            site = site.replacingOccurrences(of: from, with: to)
        }
        try directory.write("nginx/site.conf", site)
        try directory.write("nginx/nginx.conf", """
            pid \(directory.path)/nginx/nginx.pid;
            error_log \(directory.path)/nginx/error.log;
            daemon off;
            events { worker_connections 64; }
            http { access_log off; include \(directory.path)/nginx/site.conf; }
            """)
        let proxy = Process()
        proxy.executableURL = URL(fileURLWithPath: nginx)
        proxy.arguments = ["-c", directory.path + "/nginx/nginx.conf", "-e", directory.path + "/nginx/error.log"]
        proxy.standardOutput = FileHandle.nullDevice
        proxy.standardError = FileHandle.nullDevice
        try proxy.run()
        defer {
            kill(proxy.processIdentifier, SIGQUIT)
            Child.reap(proxy)
        }
        let deadline = Date().addingTimeInterval(30)
        // nginx's own listener (daemon off: the master holds it), not another process's on the port.
        while proxy.isRunning, !SIPpCallee.isListening(tcpPort: port, by: proxy.processIdentifier), Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        try #require(SIPpCallee.isListening(tcpPort: port, by: proxy.processIdentifier), "nginx did not start: \((try? String(contentsOfFile: directory.path + "/nginx/error.log", encoding: .utf8)) ?? "")")

        func curl(_ arguments: [String]) async throws -> String {
            let result = try await CampaigndProcess.runTool(
                "/usr/bin/curl", ["-s", "--cacert", directory.path + "/ca.pem", "-w", "\n%{http_code}"] + arguments, in: directory.path, timeout: 20)
            return result.stdout
        }
        let base = "https://127.0.0.1:\(port)"
        let created = try await curl(["-H", "Authorization: Bearer crm-secret-0123456789", "-H", "Content-Type: application/json",
                                      "-d", #"{"target": "5551230400"}"#, base + "/v1/calls"])
        #expect(created.hasSuffix("\n201") && created.contains("\"state\":\"queued\""), "\(created)")
        let refused = try await curl([base + "/v1/campaigns"])
        #expect(refused.hasSuffix("\n401") && refused.contains("\"code\":\"unauthorized\""), "\(refused)")
        #expect(try await curl([base + "/healthz"]).hasSuffix("\n200"))
        #expect(daemon.log.contains("api request method=POST path=/v1/calls status=201 key=crm"))
    }
}
