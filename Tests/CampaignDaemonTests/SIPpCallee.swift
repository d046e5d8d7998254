import Foundation
import Testing

/// A SIPp UAS on 127.0.0.1 running one scenario from deploy/sipp for one call; stopped by pid.
final class SIPpCallee {
    static let scenarios = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("deploy/sipp").path

    let port: Int
    private let process: Process
    private let output: URL

    /// Starts `sipp -sf SCENARIO` on a free port. `replacing` fills a `.xml.in` template's @KEY@ markers.
    /// `tcp`: SIP over TCP (`-t t1`, one connection), listening on the port instead of binding UDP.
    /// `ip`: the address SIPp binds (`::1` for IPv6).
    init(scenario: String, replacing: [String: String] = [:], calls: Int = 1, extraArguments: [String] = [],
         tcp: Bool = false, ip: String = "127.0.0.1", in directory: String) async throws {
        var path = Self.scenarios + "/" + scenario
        if !replacing.isEmpty {
            var text = try String(contentsOfFile: path, encoding: .utf8)
            for (key, value) in replacing { text = text.replacingOccurrences(of: "@\(key)@", with: value) }
            path = directory + "/" + scenario.replacingOccurrences(of: ".xml.in", with: ".xml")
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        // One call, no keyboard, and SIPp gives up by itself after 20 s whatever happens. Ready once its
        // SIP socket is bound (about 12 ms, longer on a loaded machine; a SIPp that fails to start
        // shows in its log), by SIPp itself: a socket another test bound to the port first would
        // take the calls and answer none; on TCP the free port is a free TCP port.
        let arguments = { (port: Int) in
            ["-sf", path, "-i", ip, "-p", String(port), "-m", String(calls), "-nostdin",
             "-timeout", calls == 1 ? "20s" : "180s", "-timeout_error", "-trace_err", "-error_file", directory + "/sipp-\(port)-errors.log",
             "-trace_msg", "-message_file", directory + "/sipp-\(port)-messages.log"] + (tcp ? ["-t", "t1"] : []) + extraArguments
        }
        (port, process, output) = try await Child.startOnFreePort(
            try Self.sippPath(), in: directory, logName: { "sipp-\($0).log" }, freePort: tcp ? Self.freeTCPPort : Self.freeUDPPort,
            readyWithin: 15, arguments: arguments) { port, _, pid in
            tcp ? Self.isListening(tcpPort: port, by: pid) : Self.isBound(udpPort: port, by: pid)
        }
    }

    /// Whether process `pid` listens on TCP `port` (state 0A in /proc/net/tcp and /proc/net/tcp6).
    /// The process's own socket: another's on the same port (one that took the free port first)
    /// does not count.
    static func isListening(tcpPort port: Int, by pid: Int32) -> Bool {
        holds(pid, socketsIn: ["/proc/net/tcp", "/proc/net/tcp6"], port: port, state: "0A")
    }

    /// Whether process `pid` has a socket bound to UDP `port`. Reading /proc never takes the port
    /// from the process, as a test bind would; a socket another process bound to the same port
    /// first (a campaignd's SIP socket on port 0, say) does not count.
    static func isBound(udpPort port: Int, by pid: Int32) -> Bool {
        holds(pid, socketsIn: ["/proc/net/udp", "/proc/net/udp6"], port: port, state: nil)
    }

    /// Whether `pid` or a process it started (Kamailio's TCP listener is a child's) has open one of
    /// the sockets `tables` (/proc/net/…: local address `HEXADDR:HEXPORT` in the second column,
    /// state in the fourth, inode in the tenth) list on local `port`, in `state` when given:
    /// matched by inode against /proc/PID/fd's `socket:[N]`.
    private static func holds(_ pid: Int32, socketsIn tables: [String], port: Int, state: String?) -> Bool {
        let suffix = ":" + String(format: "%04X", port)
        var inodes = Set<Substring>()
        for path in tables {
            guard let table = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            for line in table.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count > 9, fields[1].hasSuffix(suffix), state.map({ fields[3] == $0 }) ?? true else { continue }
                inodes.insert(fields[9])
            }
        }
        guard !inodes.isEmpty else { return false }
        var processes = [pid], index = 0
        while index < processes.count, index < 64 {
            let children = (try? String(contentsOfFile: "/proc/\(processes[index])/task/\(processes[index])/children", encoding: .utf8)) ?? ""
            processes += children.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            index += 1
        }
        return processes.contains { process in
            let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process)/fd")) ?? []
            return descriptors.contains { descriptor in
                guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(process)/fd/\(descriptor)"),
                      target.hasPrefix("socket:["), target.hasSuffix("]") else { return false }
                return inodes.contains(target.dropFirst(8).dropLast())
            }
        }
    }

    deinit {
        stop()
    }

    /// Waits up to `seconds` for SIPp to finish its call; its exit code (0 = the scenario succeeded), or nil if it did not end.
    func waitForExit(seconds: Double = 15) async -> Int32? {
        await Child.waitForExit(process, seconds: seconds)
    }

    /// Kills SIPp (by its pid) if it is still running.
    func stop() {
        Child.kill(process)
    }

    var log: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

    /// Every message SIPp sent and received, as it logged them (-trace_msg).
    var messages: String {
        (try? String(contentsOfFile: output.deletingLastPathComponent().path + "/sipp-\(port)-messages.log", encoding: .utf8)) ?? ""
    }

    /// Every INVITE SIPp received (retransmissions included), in order.
    var receivedInvites: [SIPMessageLines] { SIPMessageLines.requests("INVITE", in: messages) }

    static func sippPath() throws -> String {
        for candidate in ["/usr/bin/sipp", "/usr/local/bin/sipp"] where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        struct Missing: Error, CustomStringConvertible {
            var description: String { "sipp is not installed; run deploy/install-deps.sh (Debian package sip-tester)" }
        }
        throw Missing()
    }

    /// A TCP port free now (bound to port 0 and closed), for a listener a test starts next.
    static func freeTCPPort() throws -> Int { freePort(SOCK_STREAM) }

    /// A TCP port that nothing holds, below the kernel's ephemeral ports (32768 and up): for a test
    /// that binds it only later, since no other test's outgoing connection is handed such a port in
    /// the meantime (a free ephemeral port can be).
    static func freeTCPPortBelowEphemeralRange() throws -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: 24_000...29_999)
            if canBind(tcpPort: port), HandedOutPorts.claim(port) { return port }
        }
        struct NoFreePort: Error {}
        throw NoFreePort()
    }

    /// Whether a TCP socket can be bound to 127.0.0.1:`port` now (it is closed again at once).
    static func canBind(tcpPort port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(fd) }
        return bindLoopback(fd, port: port) == 0
    }

    /// Binds `fd` (an AF_INET socket) to 127.0.0.1:`port`, 0 for any free port; `bind`'s result.
    static func bindLoopback(_ fd: Int32, port: Int) -> Int32 {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    /// The local port `fd` (an AF_INET socket) is bound to.
    static func localPort(_ fd: Int32) -> Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A UDP port nothing is bound to right now on 127.0.0.1.
    static func freeUDPPort() throws -> Int { freePort(SOCK_DGRAM) }

    /// A port the kernel gives a socket bound to port 0 (then closed), and never one already handed
    /// out in this test run: two tests asking at once can be given the same number, and two SIPps
    /// then both bind it (SIPp sets SO_REUSEADDR), one of them receiving the other's calls.
    private static func freePort(_ type: __socket_type) -> Int {
        var port = kernelFreePort(type), tries = 1
        while !HandedOutPorts.claim(port), tries < 50 {
            port = kernelFreePort(type)
            tries += 1
        }
        return port
    }

    private static func kernelFreePort(_ type: __socket_type) -> Int {
        let fd = socket(AF_INET, Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(fd) }
        _ = bindLoopback(fd, port: 0)
        return localPort(fd)
    }
}

/// Ports handed out to tests in this run (by `SIPpCallee.freeUDPPort`, `freeTCPPort` and
/// `freeTCPPortBelowEphemeralRange`), so that no two tests are given the same one.
enum HandedOutPorts {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var ports = Set<Int>()

    /// Whether `port` was not handed out before (it is now).
    static func claim(_ port: Int) -> Bool {
        lock.withLock { ports.insert(port).inserted }
    }
}
