import Foundation
import Testing

/// `https://` webhooks go out through URLSession with the receiver's certificate verified against
/// the system's trust store: a receiver whose certificate comes from a CA the test makes (with
/// Debian's openssl) and the system does not trust is refused, with the reason in `status` and the log.
@Suite struct HTTPSWebhookTests {
    /// A CA and a certificate for 127.0.0.1 it signed, made with openssl in `directory`.
    static func makeCertificate(in directory: String) async throws -> (certificate: String, key: String) {
        let steps: [[String]] = [
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=campaignd test CA"],
            ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "receiver.key", "-out", "receiver.csr", "-subj", "/CN=127.0.0.1"],
            ["x509", "-req", "-in", "receiver.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "receiver.pem",
             "-days", "2", "-extfile", "san.cnf"],
        ]
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(toFile: directory + "/san.cnf", atomically: true, encoding: .utf8)
        for step in steps {
            let result = try await CampaigndProcess.runTool("/usr/bin/openssl", step, in: directory, timeout: 30)
            try #require(result.exitCode == 0, "openssl \(step.joined(separator: " ")): \(result.stderr)")
        }
        return (directory + "/receiver.pem", directory + "/receiver.key")
    }

    @Test func anUntrustedCertificateIsRefusedWithAClearError() async throws {
        let scratch = try Workspace()
        let callee = try await SIPpCallee(scenario: "uas-answer-hangup.xml", in: scratch.path)
        let directory = try Workspace()
        let tls = try await Self.makeCertificate(in: directory.path)
        let receiver = try await WebhookReceiver(in: directory.path, secret: "s", tls: tls)
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "sipp", "host": "127.0.0.1", "port": \(callee.port)}],
             "sip": {"bindAddress": "127.0.0.1", "port": 0, "t1Ms": 100},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111", "timezone": "UTC", "answerTimeoutSec": 5,
                          "window": {"start": "00:00", "end": "24:00"}, "maxRetryNo": 0},
             "notifications": {"connectTimeoutSec": 2, "readTimeoutSec": 2},
             \(APIDaemon.apiSection())}
            """)
        let daemon = try await APIDaemon(in: directory.path)
        let created = try await daemon.send(APIDaemon.Request(
            "POST", "/v1/calls", headers: APIDaemon.bearer.merging(APIDaemon.jsonType) { $1 },
            body: #"{"target": "5551230300", "notifyUrl": "https://127.0.0.1:\#(receiver.port)/hook"}"#))
        #expect(created.status == 201, "\(created.body)")

        // The call ends, its webhook is tried over TLS and refused: the log says why.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, !daemon.log.contains("webhook failed") { try await Task.sleep(for: .milliseconds(100)) }
        let line = daemon.log.split(separator: "\n").first { $0.contains("webhook failed") }.map(String.init) ?? ""
        #expect(line.contains("url=https://127.0.0.1:\(receiver.port)/hook"), "\(daemon.log)")
        #expect(line.contains("SSL certificate problem"), "\(line)")
        #expect(receiver.requests.isEmpty, "nothing reached the receiver over an unverified connection")

        let status = try await CampaigndProcess.run(["status"], in: directory.path)
        #expect(status.stdout.contains("SSL certificate problem"), "status: \(status.stdout)")
        daemon.kill9()
    }

    /// A receiver whose CA the system trusts gets its webhooks, signed, over a verified connection.
    /// The test's CA is added to the system bundle libcurl reads (`/etc/ssl/certs/ca-certificates.crt`)
    /// only inside a mount namespace of campaignd's own (`unshare --mount`), as an admin adds a
    /// private CA with `update-ca-certificates`; the machine's store is not touched.
    @Test func aCertificateFromACAInTheSystemStoreIsTrustedAndDelivered() async throws {
        let scratch = try Workspace()
        let callee = try await SIPpCallee(scenario: "uas-answer-hangup.xml", in: scratch.path)
        let directory = try Workspace()
        let tls = try await Self.makeCertificate(in: directory.path)
        let receiver = try await WebhookReceiver(in: directory.path, secret: "hook-secret", tls: tls)
        let bundle = directory.path + "/ca-bundle.crt"
        let system = try String(contentsOfFile: "/etc/ssl/certs/ca-certificates.crt", encoding: .utf8)
        let testCA = try String(contentsOfFile: directory.path + "/ca.pem", encoding: .utf8)
        try (system + "\n" + testCA).write(toFile: bundle, atomically: true, encoding: .utf8)
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "sipp", "host": "127.0.0.1", "port": \(callee.port)}],
             "sip": {"bindAddress": "127.0.0.1", "port": 0, "t1Ms": 100},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111", "timezone": "UTC", "answerTimeoutSec": 5,
                          "window": {"start": "00:00", "end": "24:00"}, "maxRetryNo": 0},
             "notifications": {"connectTimeoutSec": 10, "readTimeoutSec": 10, "signingSecret": "hook-secret"}}
            """)
        try directory.write("campaigns/tls.json", """
            {"notifyUrl": "https://127.0.0.1:\(receiver.port)/hook", "contacts": [{"target": "+15551230301"}]}
            """)
        let script = "mount --bind \(bundle) /etc/ssl/certs/ca-certificates.crt && exec \(CampaigndProcess.binary) run --once"
        let run = try await CampaigndProcess.runTool("/usr/bin/unshare", ["--mount", "--propagation", "private", "/bin/sh", "-c", script],
                                                     in: directory.path, timeout: 60)
        #expect(run.exitCode == 0, "\(run.stdout)\n\(run.stderr.suffix(2000))")
        #expect(run.stderr.contains("webhook delivered"), "\(run.stderr.suffix(2000))")
        let completed = receiver.requests.filter { ($0["body"] as? [String: Any])?["event"] as? String == "completed" }
        #expect(completed.count == 1, "\(receiver.requests)\n\(run.stderr.suffix(2000))")
        #expect(completed.first?["signatureValid"] as? Bool == true)
        #expect(completed.first?["signatureHeader"] as? String == "X-Campaignd-Signature")
        #expect(await callee.waitForExit() == 0)
    }
}
