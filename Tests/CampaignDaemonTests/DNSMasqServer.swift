import Foundation
import Glibc

/// dnsmasq answering for a test's zone on 127.0.0.1 at a free port, asking no one upstream;
/// stopped by its pid.
final class DNSMasqServer {
    let port: Int
    private let process: Process
    private let output: URL

    /// - Parameters:
    ///   - srv: `(service name, target, port, priority, weight)` records, e.g. `("_sip._udp.trunk.test", "a.trunk.test", 5071, 10, 0)`.
    ///   - hosts: A (or AAAA) records, name → address.
    ///   - ttl: the TTL of every answer.
    init(srv: [(String, String, Int, Int, Int)] = [], hosts: [(String, String)] = [], ttl: Int = 60, in directory: String) async throws {
        // Authoritative for .test (--local: NXDOMAIN for names it lacks), nothing from /etc; ready once
        // it says it started (after binding) and holds its port.
        let arguments = { (port: Int) in
            ["--keep-in-foreground", "--no-resolv", "--no-hosts", "--conf-file=/dev/null", "--pid-file=",
             "--port=\(port)", "--listen-address=127.0.0.1", "--bind-interfaces", "--local=/test/",
             "--local-ttl=\(ttl)", "--log-queries", "--log-facility=-"]
                + srv.map { "--srv-host=\($0.0),\($0.1),\($0.2),\($0.3),\($0.4)" }
                + hosts.map { "--host-record=\($0.0),\($0.1)" }
        }
        (port, process, output) = try await Child.startOnFreePort(
            try Self.path(), in: directory, logName: { "dnsmasq-\($0).log" }, freePort: SIPpCallee.freeUDPPort, readyWithin: 5,
            arguments: arguments) { port, log, pid in
            ((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains("started, version") && SIPpCallee.isBound(udpPort: port, by: pid)
        }
    }

    deinit {
        stop()
    }

    /// Kills dnsmasq (by its pid) if it is still running.
    func stop() {
        Child.kill(process)
    }

    /// What dnsmasq logged (one `query[…]` line per question it was asked).
    var log: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

    static func path() throws -> String {
        for candidate in ["/usr/sbin/dnsmasq", "/usr/bin/dnsmasq"] where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        struct Missing: Error, CustomStringConvertible {
            var description: String { "dnsmasq is not installed; run deploy/install-deps.sh (Debian package dnsmasq-base)" }
        }
        throw Missing()
    }
}
