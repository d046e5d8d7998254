import Foundation

/// dumpcap capturing UDP on the loopback interface into a file, stopped by pid with SIGINT so it
/// flushes; then read back by tshark as RTP packets.
///
/// Spawned with posix_spawn and reaped with waitpid here, so nothing else waits on it.
final class PacketCapture {
    struct Packet {
        var time: Double
        var sourcePort: Int
        var destinationPort: Int
        var payloadType: Int?
        var marker = false
        /// Every payload byte is G.711 silence (μ-law 0xFF, A-law 0xD5).
        var silent = false
        /// RTCP packet types in it (200 SR, 201 RR, 202 SDES…), when it is RTCP.
        var rtcpTypes: [Int] = []
        /// The RTP payload and header fields, when it is RTP.
        var payload: [UInt8] = []
        var sequenceNumber: Int?
        var rtpTimestamp: UInt32?
        var ssrc: String?
    }

    private var pid: pid_t = 0
    private let file: String

    init(filter: String, in directory: String) async throws {
        file = directory + "/capture-\(UUID().uuidString).pcapng"
        let log = directory + "/dumpcap.log"
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // A 16 MB kernel buffer (the default is 2 MB): with a whole test run's RTP on the loopback
        // and two busy cores, a capture that falls behind must not drop the packets a test counts.
        let arguments = ["/usr/bin/dumpcap", "-i", "lo", "-B", "16", "-f", filter, "-w", file, "-q"]
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let spawned = posix_spawn(&pid, "/usr/bin/dumpcap", &actions, nil, &argv, environ)
        struct SpawnFailed: Error { var code: Int32 }
        guard spawned == 0 else { throw SpawnFailed(code: spawned) }
        // dumpcap says "Capturing on 'Loopback: lo'" once it captures; wait for that (at most 30 s).
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: log, encoding: .utf8), text.contains("Capturing on") { break }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    deinit {
        finish(signal: SIGKILL)
    }

    /// Signals dumpcap and reaps it (SIGKILL if it has not gone within 5 s).
    private func finish(signal: Int32) {
        guard pid > 0 else { return }
        kill(pid, signal)
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(5)
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() > deadline { kill(pid, SIGKILL) }
            usleep(20_000)
        }
        pid = 0
    }

    /// Stops the capture and returns what it saw, RTP decoded by tshark's heuristic.
    func stop() async throws -> [Packet] {
        // SIGINT makes dumpcap flush; its exit is awaited without holding a thread of the shared pool.
        if pid > 0 {
            kill(pid, SIGINT)
            var status: Int32 = 0
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline {
                if waitpid(pid, &status, WNOHANG) != 0 {
                    pid = 0
                    break
                }
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        finish(signal: SIGKILL)
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: "/usr/bin/tshark")
        reader.arguments = ["-r", file, "--enable-heuristic", "rtp_udp", "--enable-heuristic", "rtcp_udp", "-T", "fields",
                            "-e", "frame.time_epoch", "-e", "udp.srcport", "-e", "udp.dstport", "-e", "rtp.p_type",
                            "-e", "rtp.marker", "-e", "rtp.payload", "-e", "rtcp.pt",
                            "-e", "rtp.seq", "-e", "rtp.timestamp", "-e", "rtp.ssrc"]
        let output = file + ".txt"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        reader.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        reader.standardError = FileHandle.nullDevice
        try reader.run()
        while reader.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 3, let time = Double(fields[0]), let source = Int(fields[1]), let destination = Int(fields[2]) else {
                return nil
            }
            func field(_ index: Int) -> String { index < fields.count ? fields[index] : "" }
            // Hex bytes, with or without colons between them depending on tshark's version.
            let hex = Array(field(5).filter { $0 != ":" })
            let payload = stride(from: 0, to: hex.count - 1, by: 2).map { String(hex[$0...$0 + 1]) }
            return Packet(time: time, sourcePort: source, destinationPort: destination, payloadType: Int(field(3)),
                          marker: field(4) == "1" || field(4) == "True",
                          silent: !payload.isEmpty && payload.allSatisfy { $0 == "ff" || $0 == "d5" },
                          rtcpTypes: field(6).split(separator: ",").compactMap { Int($0) },
                          payload: payload.compactMap { UInt8($0, radix: 16) }, sequenceNumber: Int(field(7)),
                          rtpTimestamp: UInt32(field(8)), ssrc: field(9).isEmpty ? nil : field(9))
        }
    }
}
