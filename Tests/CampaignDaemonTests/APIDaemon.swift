import Foundation
import Testing

/// `campaignd run` with the HTTP API on a free port of 127.0.0.1 (the port read from its log line),
/// and Python's http.client as the API's client. Killed by pid when released.
final class APIDaemon {
    /// One request for `send`.
    struct Request: Encodable {
        var method: String
        var path: String
        var headers: [String: String] = [:]
        var body: String?

        init(_ method: String, _ path: String, headers: [String: String] = [:], body: String? = nil) {
            self.method = method
            self.path = path
            self.headers = headers
            self.body = body
        }
    }

    /// What the server answered.
    struct Response: Decodable {
        var status: Int
        var headers: [String: String]
        var body: String
        /// From sending the request to reading the whole answer, as the client measured it (the
        /// client's own start-up, a Python interpreter's, is not in it).
        var seconds: Double

        /// The body decoded as a JSON object (empty if it is not one).
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
        var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    }

    static let bearer = ["Authorization": "Bearer crm-secret-0123456789"]
    static let jsonType = ["Content-Type": "application/json"]

    /// The `api` section with two keys: `crm` (every scope) and `viewer` (read only).
    static func apiSection(extra: String = "") -> String {
        """
        "api": {"listen": "127.0.0.1:0", "metrics": true\(extra), "keys": [
            {"name": "crm", "secret": "crm-secret-0123456789", "scopes": ["calls", "campaigns", "read"]},
            {"name": "viewer", "secret": "viewer-secret-0123456789", "scopes": ["read"]}]}
        """
    }

    static let client = #"""
    import base64, http.client, json, sys, time
    requests = json.load(open(sys.argv[2]))
    port = int(sys.argv[1])
    conn = None
    out = []
    for r in requests:
        for attempt in (1, 2):
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                body = r.get("body")
                sent = time.monotonic()
                conn.request(r["method"], r["path"], body=body.encode() if body is not None else None, headers=r.get("headers", {}))
                resp = conn.getresponse()
                data = resp.read().decode("utf-8", "replace")
                out.append({"status": resp.status, "headers": {k.lower(): v for k, v in resp.getheaders()}, "body": data,
                            "seconds": time.monotonic() - sent})
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close(); conn = None
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                conn.close(); conn = None
                if attempt == 2: raise
    json.dump(out, sys.stdout)
    """#

    let directory: String
    private(set) var logPath: String
    private(set) var process: Process
    private(set) var port = 0

    /// Starts `campaignd run` in `directory` (which holds its campaignd.json) and waits for the API.
    init(in directory: String) async throws {
        self.directory = directory
        logPath = directory + "/daemon-\(UUID().uuidString.prefix(8)).log"
        process = try CampaigndProcess.start(["run"], in: directory, logPath: logPath)
        port = try await waitForPort()
    }

    deinit {
        kill9()
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The port from "HTTP API listening address=127.0.0.1:PORT", within 30 s (a loaded machine starts a debug build slowly).
    private func waitForPort() async throws -> Int {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, process.isRunning {
            if let line = log.split(separator: "\n").first(where: { $0.contains("HTTP API listening") }),
               let address = line.split(separator: " ").first(where: { $0.hasPrefix("address=") }),
               let port = Int(address.split(separator: ":").last ?? "") {
                return port
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        struct NotListening: Error, CustomStringConvertible { var description: String }
        throw NotListening(description: "the API did not start listening; the log:\n\(log)")
    }

    /// Sends `requests` in order on one keep-alive connection (a new one after a close).
    func send(_ requests: [Request]) async throws -> [Response] {
        let script = directory + "/api-client.py"
        if !FileManager.default.fileExists(atPath: script) { try Self.client.write(toFile: script, atomically: true, encoding: .utf8) }
        let input = directory + "/requests-\(UUID().uuidString).json"
        try JSONEncoder().encode(requests).write(to: URL(fileURLWithPath: input))
        defer { try? FileManager.default.removeItem(atPath: input) }
        let result = try await CampaigndProcess.runTool("/usr/bin/python3", [script, String(port), input], in: directory, timeout: 60)
        try #require(result.exitCode == 0, "the client failed: \(result.stderr)")
        return try JSONDecoder().decode([Response].self, from: Data(result.stdout.utf8))
    }

    func send(_ request: Request) async throws -> Response {
        try await send([request])[0]
    }

    /// Polls `GET path` until `done` holds for its JSON (at most `seconds`); the last answer.
    func poll(_ path: String, seconds: Double = 20, until done: ([String: Any]) -> Bool) async throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(seconds)
        var last: [String: Any] = [:]
        while Date() < deadline {
            last = try await send(Request("GET", path, headers: Self.bearer)).json
            if done(last) { return last }
            try await Task.sleep(for: .milliseconds(100))
        }
        return last
    }

    func kill9() {
        Child.kill(process)
    }

    /// Starts the daemon again on the same directory (after `kill9`), logging to a new file.
    func restart() async throws {
        logPath = directory + "/daemon-\(UUID().uuidString.prefix(8)).log"
        process = try CampaigndProcess.start(["run"], in: directory, logPath: logPath)
        port = try await waitForPort()
    }
}
