import Foundation
import Testing

/// A big campaign file being imported holds up neither a small file beside it nor dialing: the
/// small file is imported between two chunks of the big one and its contacts are called before the
/// big import is recorded; then the big file is imported whole.
///
/// Both files are in the drop folder when the daemon starts, so the big one (first by name) starts
/// first and the small one has settled by the import's first gap, however loaded the machine is.
@Suite struct BigImportTests {
    /// Contacts in the big file: about 13 MB, a few seconds of import for the debug build here.
    static let bigRows = 1_000_000

    /// Waits (polling, at most `seconds`) until `condition` holds; whether it did.
    private func poll(seconds: Double, _ condition: () throws -> Bool) async rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return try condition()
    }

    /// The CDR records written so far.
    private func cdrs(_ directory: Workspace) -> [[String: Any]] {
        let folder = directory.path + "/var/cdr"
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return files.sorted().flatMap { file in
            ((try? String(contentsOfFile: folder + "/" + file, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }
    }

    /// Writes `bytes` beside the drop folder, then moves it in whole (as an operator's `mv` would).
    private func drop(_ name: String, _ bytes: [UInt8], into directory: Workspace) throws {
        let staging = directory.path + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: staging))
        try FileManager.default.moveItem(atPath: staging, toPath: directory.path + "/campaigns/" + name)
    }

    @Test func aSmallFileBesideABigOneIsDialedBeforeTheBigOneIsIn() async throws {
        let directory = try Workspace()
        let callee = try await SIPpCallee(scenario: "uas-mixed.xml", calls: 100_000, in: directory.path)
        defer { callee.stop() }
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "sipp", "host": "127.0.0.1", "port": \(callee.port)}],
             "sip": {"bindAddress": "127.0.0.1", "port": 0, "t1Ms": 100},
             "limits": {"dialoutLimitPerSecond": 20, "maxConcurrentCalls": 10},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111", "timezone": "America/New_York",
                          "window": {"start": "00:00", "end": "24:00"}, "answerTimeoutSec": 1,
                          "maxRetryNo": 0, "dialoutLimitPerSecond": 20}}
            """)
        var big: [UInt8] = Array("target\n".utf8)
        big.reserveCapacity(Self.bigRows * 13 + 7)
        for row in 0..<Self.bigRows {
            big += "+1555".utf8
            var digits = row, divisor = 1_000_000
            while divisor > 0 {
                big.append(UInt8(ascii: "0") + UInt8(digits / divisor))
                digits %= divisor
                divisor /= 10
            }
            big.append(UInt8(ascii: "\n"))
        }
        // Last digits 0-4: SIPp's mixed scenario answers these.
        let smallTargets = (0..<5).map { "+1666000000\($0)" }

        try drop("big.csv", big, into: directory)
        try drop("small.csv", Array(("target\n" + smallTargets.joined(separator: "\n") + "\n").utf8), into: directory)
        let logPath = directory.path + "/daemon.log"
        let daemon = try CampaigndProcess.start(["run"], in: directory.path, logPath: logPath)
        defer { Child.kill(daemon) }
        func log() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
        func smallCalls() -> Int { cdrs(directory).filter { $0["campaignId"] as? String == "small" }.count }
        let bigDone = "campaign file imported file=big.csv"
        try #require(await poll(seconds: 60) { log().contains("campaign file importing file=big.csv") }, "\(log().suffix(2000))")

        // The small file goes ahead of the big one, and all its calls start while the big file is still
        // being imported (the CDRs' start times against the big import's log line).
        #expect(await poll(seconds: 60) { smallCalls() == 5 }, "\(log().suffix(2000))")
        #expect(await poll(seconds: 120) { log().contains(bigDone) }, "\(log().suffix(2000))")
        let bigDoneAt = try #require(log().split(separator: "\n").first { $0.contains(bigDone) }?.split(separator: " ").first.map(String.init))
        let smallStarts = cdrs(directory).filter { $0["campaignId"] as? String == "small" }.compactMap { $0["startTime"] as? String }
        #expect(smallStarts.count == 5)
        #expect(smallStarts.allSatisfy { $0 < bigDoneAt }, "small calls started at \(smallStarts), the big import ended at \(bigDoneAt)")
        #expect(log().contains("campaign file imported file=small.csv campaign=small added=5"))
        #expect(log().contains("ahead_of=big.csv"))
        #expect(Set(cdrs(directory).compactMap { $0["target"] as? String }).isSuperset(of: smallTargets))

        // And the big file is imported whole, and both are in imported/.
        #expect(log().contains("\(bigDone) campaign=big added=\(Self.bigRows)"))
        for name in ["big.csv", "small.csv"] {
            // Moved to imported/ just after the log line.
            #expect(await poll(seconds: 10) { FileManager.default.fileExists(atPath: directory.path + "/campaigns/imported/" + name) }, "\(name)")
        }
        let counts = try await directory.statusCounts()
        #expect(counts["big"]?["total"] as? Int == Self.bigRows, "\(counts)")
        #expect(counts["small"]?["total"] as? Int == 5)
        #expect(counts["small"]?["pending"] as? Int ?? 0 == 0)
    }
}
