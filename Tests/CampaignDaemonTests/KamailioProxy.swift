import Foundation

/// A Kamailio proxy on 127.0.0.1 from deploy/kamailio/proxy.cfg.in: challenges INVITEs with 407,
/// record-routes and relays to a callee port. Stopped by its pid (SIGTERM ends its children too).
final class KamailioProxy {
    static let template = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("deploy/kamailio/proxy.cfg.in").path

    let port: Int
    private let process = Process()
    private let logPath: String

    init(calleePort: Int, in directory: String) throws {
        port = try SIPpCallee.freeUDPPort()
        let configuration = try String(contentsOfFile: Self.template, encoding: .utf8)
            .replacingOccurrences(of: "@PORT@", with: String(port))
            .replacingOccurrences(of: "@CALLEE_PORT@", with: String(calleePort))
        let configPath = directory + "/kamailio-\(port).cfg"
        try configuration.write(toFile: configPath, atomically: true, encoding: .utf8)
        logPath = directory + "/kamailio-\(port).log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/kamailio")
        // -DD: stay in the foreground (children still fork); -E: log to stderr; -w: work in the temp dir.
        process.arguments = ["-f", configPath, "-DD", "-E", "-w", directory]
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Wait until it says it is listening (at most 5 s).
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline, !self.log.contains("udp: 127.0.0.1"), process.isRunning {
            Thread.sleep(forTimeInterval: 0.05)
        }
        Thread.sleep(forTimeInterval: 0.3)
    }

    deinit {
        stop()
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}
