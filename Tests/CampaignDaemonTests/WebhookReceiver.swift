import Foundation

/// A webhook receiver on 127.0.0.1: Python's http.server, started by pid and killed by pid. It
/// verifies each request's signature the way the README tells receivers to (and jambonz's and
/// SmartAssist's SDKs, the same scheme under their own headers), and logs every request (headers,
/// body, the signature's header and whether it held) as a JSON line.
final class WebhookReceiver {
    static let script = #"""
    import hashlib, hmac, http.server, json, os, ssl, sys, time

    port_file, log_file, mode, secret = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    seen = {"count": 0}

    # campaignd's own header, then the gateway-shaped APIs' (jambonz, Kore.ai SmartAssist): the first one a request carries.
    signature_headers = ("X-Campaignd-Signature", "Jambonz-Signature", "SAVG-Signature")

    def verify(header, body):
        # t=UNIX,v1=HEX(HMAC-SHA256(secret, "t." + body)); a malformed header does not verify.
        try:
            parts = dict(item.split("=", 1) for item in header.split(","))
            expected = hmac.new(secret.encode(), (parts["t"] + ".").encode() + body, hashlib.sha256).hexdigest()
            return hmac.compare_digest(expected, parts["v1"]) and abs(time.time() - int(parts["t"])) < 300
        except (KeyError, ValueError):
            return False

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            seen["count"] += 1
            status = 500 if mode == "fail-first" and seen["count"] == 1 else 200
            name = next((h for h in signature_headers if h in self.headers), None)
            signature = self.headers.get(name, "") if name else ""
            entry = {"path": self.path, "status": status, "headers": dict(self.headers), "signatureHeader": name,
                     "signatureValid": bool(signature) and verify(signature, body), "body": json.loads(body)}
            with open(log_file, "a") as log:
                log.write(json.dumps(entry) + "\n")
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", int(sys.argv[5]) if len(sys.argv) > 5 else 0), Handler)
    if os.environ.get("RECEIVER_CERT"):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(os.environ["RECEIVER_CERT"], os.environ["RECEIVER_KEY"])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    with open(port_file, "w") as f:
        f.write(str(server.server_port))
    server.serve_forever()
    """#

    let port: Int
    let logPath: String
    private let process = Process()

    /// Starts the receiver (on `port`, or a free one) and waits until it listens; with `tls`
    /// (certificate and key files) it serves HTTPS.
    init(in directory: String, mode: String = "ok", secret: String, port requested: Int? = nil,
         tls: (certificate: String, key: String)? = nil) async throws {
        let scriptPath = directory + "/receiver.py"
        try Self.script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        let portFile = directory + "/receiver-\(UUID().uuidString).port"
        logPath = directory + "/webhooks.jsonl"
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [scriptPath, portFile, logPath, mode, secret] + (requested.map { [String($0)] } ?? [])
        if let tls {
            process.environment = ProcessInfo.processInfo.environment.merging(["RECEIVER_CERT": tls.certificate, "RECEIVER_KEY": tls.key]) { $1 }
        }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        var found: Int?
        let deadline = Date().addingTimeInterval(30)
        while found == nil, Date() < deadline {
            found = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0) }
            if found == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        struct NotListening: Error {}
        guard let found else { throw NotListening() }
        port = found
    }

    deinit {
        stop()
    }

    func stop() {
        Child.kill(process)
    }

    /// Every request received so far.
    var requests: [[String: Any]] {
        ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// One request as the receiver logged it.
    struct Delivery {
        var path: String
        var headers: [String: String]
        var body: [String: Any]
        /// The signature header the request carried (`X-Campaignd-Signature`, `Jambonz-Signature` or
        /// `SAVG-Signature`), nil if none.
        var signatureHeader: String?
        /// Whether that header's signature held for the receiver's secret (false without one).
        var signatureValid: Bool
    }

    /// Every request received so far, in arrival order.
    var deliveries: [Delivery] {
        requests.map { entry in
            Delivery(path: entry["path"] as? String ?? "", headers: entry["headers"] as? [String: String] ?? [:],
                     body: entry["body"] as? [String: Any] ?? [:], signatureHeader: entry["signatureHeader"] as? String,
                     signatureValid: entry["signatureValid"] as? Bool ?? false)
        }
    }

    /// The requests received once `count` have come or `done` holds for them (at most `seconds`).
    func wait(for count: Int, seconds: Double = 60, until done: ([Delivery]) -> Bool = { _ in false }) async throws -> [Delivery] {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let received = deliveries
            if received.count >= count || done(received) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        return deliveries
    }
}
