import Foundation
import Testing

/// Clients that hold connections, send slowly or too much do not stop others from being served.
@Suite struct APIHostileClientTests {
    static let script = #"""
    import json, socket, sys, time, http.client
    port = int(sys.argv[1])
    result = {}
    # 1,000 connections that send nothing.
    idle = []
    for _ in range(1000):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        idle.append(s)
    # A client that sends part of its request and never finishes it (slowloris).
    slow = socket.create_connection(("127.0.0.1", port), timeout=10)
    slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x")
    # Others are still served, on new connections.
    ok = 0
    for _ in range(20):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("GET", "/healthz")
        r = c.getresponse()
        r.read()
        ok += r.status == 200
        c.close()
    result["servedWhileBusy"] = ok
    # A body over the limit is refused from its Content-Length, before any of it is sent.
    big = socket.create_connection(("127.0.0.1", port), timeout=5)
    big.sendall(b"POST /v1/calls HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer crm-secret-0123456789\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n")
    answer = big.recv(4096).decode("latin-1")
    result["bigStatusLine"] = answer.split("\r\n")[0]
    result["bigBody"] = answer.split("\r\n\r\n", 1)[1] if "\r\n\r\n" in answer else ""
    # The slow client is answered 408 once the header timeout passes, and closed.
    slow.settimeout(10)
    data = b""
    try:
        while True:
            chunk = slow.recv(4096)
            if not chunk: break
            data += chunk
    except socket.timeout:
        pass
    result["slowStatusLine"] = data.decode("latin-1").split("\r\n")[0]
    # The idle connections were kept (not dropped to make room): one of them still works.
    idle[0].sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    result["idleStatusLine"] = idle[0].recv(4096).decode("latin-1").split("\r\n")[0]
    json.dump(result, sys.stdout)
    """#

    @Test func idleSlowAndOversizedClientsDoNotStopOthers() async throws {
        let directory = try Workspace()
        try directory.write("campaignd.json", """
            {"sip": {"bindAddress": "127.0.0.1", "port": 0},
             \(APIDaemon.apiSection(extra: #", "maxConnections": 1100, "headerTimeoutSec": 2, "maxBodyBytes": 65536"#))}
            """)
        let daemon = try await APIDaemon(in: directory.path)
        try Self.script.write(toFile: directory.path + "/hostile.py", atomically: true, encoding: .utf8)
        let run = try await CampaigndProcess.runTool("/usr/bin/python3", [directory.path + "/hostile.py", String(daemon.port)],
                                                     in: directory.path, timeout: 60)
        try #require(run.exitCode == 0, "\(run.stderr)")
        let result = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any] ?? [:]
        #expect(result["servedWhileBusy"] as? Int == 20, "\(result)")
        #expect(result["bigStatusLine"] as? String == "HTTP/1.1 413 Content Too Large")
        #expect((result["bigBody"] as? String)?.contains("\"code\":\"body-too-large\"") == true, "\(result)")
        #expect(result["slowStatusLine"] as? String == "HTTP/1.1 408 Request Timeout")
        #expect(result["idleStatusLine"] as? String == "HTTP/1.1 200 OK")
        #expect(daemon.log.contains("api request refused status=408"))
    }
}
