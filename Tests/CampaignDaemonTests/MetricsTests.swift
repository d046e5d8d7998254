import Foundation
import Testing

/// `run --metrics`: the Prometheus endpoint of a running daemon, checked against its CDRs.
@Suite struct MetricsTests {
    /// GET `url` with Python's urllib (a real HTTP client); nil while nothing answers.
    func fetch(_ url: String, in directory: String) async throws -> String? {
        let result = try await CampaigndProcess.runTool(
            "/usr/bin/python3", ["-c", "import urllib.request,sys; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode())", url],
            in: directory)
        return result.exitCode == 0 ? result.stdout : nil
    }

    func value(_ text: String, _ series: String) -> Int? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Int($0.split(separator: " ").last ?? "") }
    }

    @Test func countsCallsOutcomesAndQueueDepth() async throws {
        let directory = try Workspace()
        // Ten numbers: 0-5 answer, 6-7 busy, 8 no answer, 9 declined; no retries.
        let callee = try await SIPpCallee(scenario: "uas-mixed.xml", calls: 10, in: directory.path)
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "sipp", "host": "127.0.0.1", "port": \(callee.port)}],
             "sip": {"bindAddress": "127.0.0.1", "port": 0, "t1Ms": 100},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111", "timezone": "UTC", "answerTimeoutSec": 1,
                          "dialoutLimitPerSecond": 20, "window": {"start": "00:00", "end": "24:00"}, "maxRetryNo": 0}}
            """)
        try directory.write("campaigns/metered.csv", "target\n" + (0..<10).map { "+1555666000\($0)" }.joined(separator: "\n") + "\n")
        let port = try SIPpCallee.freeTCPPort()
        let daemon = try CampaigndProcess.start(["run", "--metrics", "127.0.0.1:\(port)"], in: directory.path,
                                                logPath: directory.path + "/daemon.log")
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }

        // Wait until all ten calls have ended (at most 20 s).
        var text = ""
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let page = try await fetch("http://127.0.0.1:\(port)/metrics", in: directory.path) {
                text = page
                if value(text, "campaignd_calls_in_flight") == 0, value(text, "campaignd_calls_started_total") == 10 { break }
            }
            try await Task.sleep(for: .milliseconds(300))
        }
        kill(daemon.processIdentifier, SIGTERM)
        #expect(value(text, "campaignd_calls_started_total") == 10, "\(text)")
        #expect(value(text, "campaignd_calls_answered_total") == 6)
        #expect(value(text, "campaignd_calls_failed_total{reason=\"busy\"}") == 2)
        #expect(value(text, "campaignd_calls_failed_total{reason=\"no-answer\"}") == 1)
        #expect(value(text, "campaignd_calls_failed_total{reason=\"declined\"}") == 1)
        #expect(value(text, "campaignd_calls_in_flight") == 0)
        #expect(value(text, "campaignd_queue_depth{campaign=\"metered\"}") == 0)
        #expect(text.contains("# TYPE campaignd_calls_started_total counter"))
        #expect(text.contains("campaignd_token_wait_seconds_total "))
        #expect(try await fetch("http://127.0.0.1:\(port)/other", in: directory.path) == nil)
        let stopDeadline = Date().addingTimeInterval(30)
        while daemon.isRunning, Date() < stopDeadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!daemon.isRunning, "still running 30 s after SIGTERM; its log:\n\((try? String(contentsOfFile: directory.path + "/daemon.log", encoding: .utf8)) ?? "")")
    }
}
