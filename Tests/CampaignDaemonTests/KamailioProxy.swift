import Foundation

/// A Kamailio proxy on 127.0.0.1 from deploy/kamailio/proxy.cfg.in: challenges INVITEs with 407,
/// record-routes and relays to a callee port. Stopped by its pid (SIGTERM ends its children too).
final class KamailioProxy {
    static let template = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("deploy/kamailio/proxy.cfg.in").path
    /// A registrar that challenges REGISTER and proxies only for a registered dialer.
    static let registrarTemplate = URL(fileURLWithPath: template).deletingLastPathComponent().appendingPathComponent("registrar.cfg.in").path

    let port: Int
    private let process = Process()
    private let logPath: String

    /// `template`: a configuration in deploy/kamailio (the carrier proxy by default).
    init(calleePort: Int, template: String = KamailioProxy.template, in directory: String) async throws {
        port = try SIPpCallee.freeUDPPort()
        let configuration = try String(contentsOfFile: template, encoding: .utf8)
            .replacingOccurrences(of: "@PORT@", with: String(port))
            .replacingOccurrences(of: "@CALLEE_PORT@", with: String(calleePort))
        let configPath = directory + "/kamailio-\(port).cfg"
        try configuration.write(toFile: configPath, atomically: true, encoding: .utf8)
        logPath = directory + "/kamailio-\(port).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
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
            try? await Task.sleep(for: .milliseconds(50))
        }
        try? await Task.sleep(for: .milliseconds(300))
    }

    deinit {
        // Not awaited: straight to SIGKILL (a test that wants Kamailio's own shutdown awaits stop()).
        let children = Self.children(of: process.processIdentifier)
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for child in children where kill(child, 0) == 0 { kill(child, SIGKILL) }
    }

    /// Stops Kamailio and every worker it forked, each by its pid: SIGTERM, then SIGKILL after 5 s.
    /// Waits without holding a thread of the shared pool (two on a 2-core machine).
    func stop() async {
        let children = Self.children(of: process.processIdentifier)
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        for child in children { kill(child, SIGTERM) }
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning || children.contains(where: { kill($0, 0) == 0 }), Date() < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for child in children where kill(child, 0) == 0 { kill(child, SIGKILL) }
    }

    /// Pids whose parent is `pid`, from /proc.
    static func children(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard let candidate = Int32(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            // Fields after "(comm)": state, then the parent pid.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == pid ? candidate : nil
        }
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}
