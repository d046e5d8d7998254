import Foundation

/// A Kamailio proxy on 127.0.0.1 from deploy/kamailio/proxy.cfg.in: challenges INVITEs with 407,
/// record-routes and relays to a callee port. Stopped by its pid (SIGTERM ends its children too).
final class KamailioProxy {
    static let template = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("deploy/kamailio/proxy.cfg.in").path
    /// A registrar that challenges REGISTER and proxies only for a registered dialer.
    static let registrarTemplate = URL(fileURLWithPath: template).deletingLastPathComponent().appendingPathComponent("registrar.cfg.in").path

    let port: Int
    private let process: Process
    private let logPath: String

    /// `template`: a configuration in deploy/kamailio (the carrier proxy by default).
    init(calleePort: Int, template: String = KamailioProxy.template, in directory: String) async throws {
        let configuration = try String(contentsOfFile: template, encoding: .utf8)
        // Kamailio listens on UDP and TCP on one port: one free for both, and another if a socket
        // takes it first (an outgoing connection's ephemeral port, say: Kamailio then exits with
        // "Address already in use"). Ready once both are bound (the UDP socket keeps what comes
        // while the workers start). -DD: stay in the foreground (children still fork); -E: log to
        // stderr; -w: work in the temp dir.
        let started = try await Child.startOnFreePort(
            "/usr/sbin/kamailio", in: directory, logName: { "kamailio-\($0).log" }, freePort: Self.freeUDPAndTCPPort,
            readyWithin: 15, arguments: { port in
                let path = directory + "/kamailio-\(port).cfg"
                try? configuration.replacingOccurrences(of: "@PORT@", with: String(port))
                    .replacingOccurrences(of: "@CALLEE_PORT@", with: String(calleePort))
                    .write(toFile: path, atomically: true, encoding: .utf8)
                return ["-f", path, "-DD", "-E", "-w", directory]
            }) { port, _, pid in
            SIPpCallee.isBound(udpPort: port, by: pid) && SIPpCallee.isListening(tcpPort: port, by: pid)
        }
        (port, process, logPath) = (started.port, started.process, started.output.path)
    }

    /// A port nothing holds on either UDP or TCP.
    static func freeUDPAndTCPPort() throws -> Int {
        for _ in 0..<20 {
            let port = try SIPpCallee.freeUDPPort()
            if SIPpCallee.canBind(tcpPort: port) { return port }
        }
        return try SIPpCallee.freeUDPPort()
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
