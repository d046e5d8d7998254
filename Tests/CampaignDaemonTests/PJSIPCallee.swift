import Foundation
import Testing

/// deploy/pjsip/callee.py (PJSIP through PyPI's pjsua2-python) on 127.0.0.1 for one call: it
/// requires 100rel and session timers, sends an UPDATE and an INFO key press, and exits 0 only if
/// both got a 2xx and the caller PRACKed and hung up. Stopped by pid.
final class PJSIPCallee {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("deploy/pjsip/callee.py").path

    let port: Int
    private let process = Process()
    private let logPath: String

    /// Starts the callee and waits (at most 10 s) until it says it is ready.
    init(digit: Character = "9", in directory: String) async throws {
        port = try SIPpCallee.freeUDPPort()
        logPath = directory + "/pjsip-\(port).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script, "--port", String(port), "--digit", String(digit), "--timeout", "20"]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning, !self.log.contains("ready \(port)"), Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        try #require(self.log.contains("ready \(port)"), "the PJSIP callee did not start (is pjsua2-python installed? run deploy/install-deps.sh): \(self.log.suffix(800))")
    }

    deinit {
        stop()
    }

    /// Waits up to `seconds` for the callee to finish; its exit code, or nil if it did not end.
    func waitForExit(seconds: Double = 15) async -> Int32? {
        await Child.waitForExit(process, seconds: seconds)
    }

    func stop() {
        Child.kill(process)
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}
