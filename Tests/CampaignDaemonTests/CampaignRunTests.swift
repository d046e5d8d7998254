import Foundation
import Testing

/// `campaignd run` end to end: campaign files in the drop folder, a SIPp callee with mixed outcomes
/// (deploy/sipp/uas-mixed.xml: the last digit decides), CDR files and the queue checked afterwards.
@Suite(.serialized) struct CampaignRunTests {
    /// 100 numbers per campaign; last digits 0-5 answer, 6-7 busy, 8 no answer, 9 decline.
    func numbers(_ prefix: String) -> [String] { (0..<100).map { String(format: "+1555\(prefix)%04d", $0) } }

    func configure(_ directory: Workspace, sippPort: Int) throws {
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "sipp", "host": "127.0.0.1", "port": \(sippPort)}],
             "sip": {"bindAddress": "127.0.0.1", "port": 0, "t1Ms": 100},
             "limits": {"dialoutLimitPerSecond": 20, "maxConcurrentCalls": 10},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111", "timezone": "America/New_York",
                          "window": {"start": "00:00", "end": "24:00"}, "answerTimeoutSec": 1,
                          "maxRetryNo": 1, "retryIntervalSec": 1, "dialoutLimitPerSecond": 20}}
            """)
        try directory.write("campaigns/alpha.csv", "target,row\n" + numbers("700").enumerated().map { "\($0.element),\($0.offset)" }.joined(separator: "\n") + "\n")
        try directory.write("campaigns/lists/beta.csv", "phone\n" + numbers("800").joined(separator: "\n") + "\n")
        try directory.write("campaigns/beta.json", #"{"name": "Beta", "contactsFile": "beta.csv"}"#)
    }

    func cdrs(_ directory: Workspace) throws -> [[String: Any]] {
        let folder = directory.path + "/var/cdr"
        return try FileManager.default.contentsOfDirectory(atPath: folder).sorted().flatMap { file in
            try String(contentsOfFile: folder + "/" + file, encoding: .utf8).split(separator: "\n").map {
                try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
        }
    }

    @Test func twoHundredContactsTwoCampaignsMixedOutcomes() async throws {
        let directory = try Workspace()
        // 2 × (60 answered + 20 busy × 2 + 10 no answer × 2 + 10 declined) = 260 calls for SIPp.
        let callee = try await SIPpCallee(scenario: "uas-mixed.xml", calls: 260, in: directory.path)
        try configure(directory, sippPort: callee.port)
        let started = Date()
        let result = try await directory.campaignd("run", "--once", "--until", Self.inMinutes(10), "--report-dir", "reports")
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr.suffix(2000))")
        #expect(Date().timeIntervalSince(started) < 120)
        #expect(result.stdout.contains("260 attempts"))
        #expect(result.stdout.contains("every contact is done"))
        // The drop folder was emptied into imported/.
        #expect(FileManager.default.fileExists(atPath: directory.path + "/campaigns/imported/alpha.csv"))
        #expect(FileManager.default.fileExists(atPath: directory.path + "/campaigns/imported/beta.json"))

        let counts = try await directory.statusCounts()
        for id in ["alpha", "beta"] {
            #expect(counts[id]?["done"] as? Int == 60, "\(id): \(counts[id] ?? [:])")
            #expect(counts[id]?["failed"] as? Int == 40)
            #expect(counts[id]?["total"] as? Int == 100)
        }
        let records = try cdrs(directory)
        #expect(records.count == 260)
        #expect(Set(records.compactMap { $0["cdrId"] as? String }).count == 260)
        #expect(records.allSatisfy { $0["outboundCall"] as? Bool == true })
        var attempts: [String: [[String: Any]]] = [:]
        for record in records { attempts[record["target"] as? String ?? "", default: []].append(record) }
        #expect(attempts.count == 200)
        for (target, tries) in attempts {
            let digit = target.last!
            switch digit {
            case "0"..."5":
                #expect(tries.count == 1 && tries[0]["reasonCode"] as? String == "client-disconnected", "\(target)")
            case "6", "7":
                #expect(tries.map { $0["reasonCode"] as? String } == ["busy", "busy"], "\(target)")
                #expect(tries.map { $0["willRetry"] as? Bool } == [true, false])
            case "8":
                #expect(tries.map { $0["sipCode"] as? Int } == [487, 487], "\(target)")
            default:
                #expect(tries.count == 1 && tries[0]["reasonCode"] as? String == "declined", "\(target)")
            }
        }
        // The report's numbers are the CDR file's.
        for id in ["alpha", "beta"] {
            let own = records.filter { $0["campaignId"] as? String == id }
            let report = try await directory.campaignd("report", id, "--format", "json")
            let numbers = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
            #expect(numbers["attempts"] as? Int == own.count)
            let answered = own.filter { !($0["connectTime"] is NSNull) }
            #expect(numbers["answered"] as? Int == answered.count)
            #expect(numbers["contactsReached"] as? Int == Set(answered.compactMap { $0["contactId"] as? Int }).count)
            #expect(numbers["retries"] as? Int == own.filter { ($0["attempt"] as? Int ?? 1) > 1 }.count)
            var reasons: [String: Int] = [:]
            for record in own { reasons[record["reasonCode"] as? String ?? "", default: 0] += 1 }
            #expect(numbers["byReasonCode"] as? [String: Int] == reasons)
            let asr = Double(answered.count) / Double(own.count)
            #expect(abs((numbers["asr"] as? Double ?? 0) - asr) < 0.0001)
            let talk = answered.compactMap { $0["connectDurationMs"] as? Int }.reduce(0, +)
            #expect(abs((numbers["acdSeconds"] as? Double ?? 0) - Double(talk) / Double(answered.count) / 1000) < 0.001)
            #expect((numbers["callsByHourUtc"] as? [Int])?.reduce(0, +) == own.count)
            // run --once --report-dir wrote each campaign's HTML report.
            let reports = (try? FileManager.default.contentsOfDirectory(atPath: directory.path + "/reports")) ?? []
            let html = try #require(reports.first { $0.hasPrefix(id + "-") && $0.hasSuffix(".html") })
            let page = try String(contentsOfFile: directory.path + "/reports/" + html, encoding: .utf8)
            #expect(page.contains("<svg") && page.contains("Calls per hour") && !page.contains("<script"))
        }
        // SIPp's own count: every one of its 260 calls ran its scenario to the end.
        #expect(await callee.waitForExit(seconds: 20) == 0, "SIPp: \(callee.log.suffix(800))")
        #expect(callee.messages.components(separatedBy: "INVITE sip:+1555").count - 1 >= 260)
    }

    @Test func killedMidCampaignThenRestarted() async throws {
        let directory = try Workspace()
        let callee = try await SIPpCallee(scenario: "uas-mixed.xml", calls: 100_000, in: directory.path)
        defer { callee.stop() }
        try configure(directory, sippPort: callee.port)
        try directory.write("campaigns/beta.json", #"{"name": "Beta", "contactsFile": "beta.csv", "dialoutLimitPerSecond": 10}"#)
        // First run: killed with SIGKILL after three seconds, calls in flight.
        let first = try CampaigndProcess.start(["run", "--once", "--until", Self.inMinutes(10)], in: directory.path)
        try await Task.sleep(for: .milliseconds(3000))
        kill(first.processIdentifier, SIGKILL)
        Child.reap(first)
        let before = try cdrs(directory).count
        // Second run picks up where the first stopped.
        let second = try await directory.campaignd("run", "--once", "--until", Self.inMinutes(10))
        #expect(second.exitCode == 0 || second.exitCode == 7, "\(second.stdout)\n\(second.stderr.suffix(1500))")
        let records = try cdrs(directory)
        #expect(records.count > before)
        // Every attempt has exactly one CDR, including the interrupted ones.
        #expect(Set(records.compactMap { $0["cdrId"] as? String }).count == records.count)
        let interrupted = records.filter { $0["reasonCode"] as? String == "interrupted" }
        // Killed three seconds into a 20-call/s run of half-second calls: some were surely in flight.
        #expect(!interrupted.isEmpty)
        #expect(second.stderr.contains("call interrupted by the last stop"))
        // No contact was dialed more often than its retry policy allows (1 + maxRetryNo), and
        // interrupted contacts were not redialed.
        var byTarget: [String: Int] = [:]
        for record in records { byTarget[record["target"] as? String ?? "", default: 0] += 1 }
        #expect(byTarget.values.allSatisfy { $0 <= 2 })
        for record in interrupted {
            let target = record["target"] as? String ?? ""
            let later = records.filter { $0["target"] as? String == target && ($0["attempt"] as? Int ?? 0) > (record["attempt"] as? Int ?? 0) }
            #expect(later.isEmpty, "interrupted \(target) was redialed")
        }
        let counts = try await directory.statusCounts()
        let settled = ["done", "failed", "interrupted"].reduce(0) { $0 + (counts["alpha"]?[$1] as? Int ?? 0) + (counts["beta"]?[$1] as? Int ?? 0) }
        #expect(settled == 200)
        #expect(counts.values.allSatisfy { ($0["dialing"] as? Int) == 0 })
        // requeue brings interrupted contacts back on purpose.
        if let first = interrupted.first?["campaignId"] as? String {
            #expect(try await directory.campaignd("requeue", first, "--interrupted").stdout.contains("will be dialed again"))
        }
    }

    @Test func aSecondInstanceOnTheSameDataDirectoryRefusesToStart() async throws {
        let directory = try Workspace()
        let callee = try await SIPpCallee(scenario: "uas-mixed.xml", calls: 100_000, in: directory.path)
        defer { callee.stop() }
        try configure(directory, sippPort: callee.port)
        let first = try CampaigndProcess.start(["run"], in: directory.path)
        defer {
            kill(first.processIdentifier, SIGKILL)
            Child.reap(first)
        }
        try await Task.sleep(for: .milliseconds(1000))
        let second = try await directory.campaignd("run", "--once")
        #expect(second.exitCode == 5)
        #expect(second.stderr.contains("another campaignd is already running on this data directory (pid \(first.processIdentifier))"))
        // SIGTERM: the daemon stops claiming, lets live calls finish and exits 0.
        kill(first.processIdentifier, SIGTERM)
        #expect(await Child.waitForExit(first, seconds: 60) == 0)
        let counts = try await directory.statusCounts()
        #expect(counts.values.allSatisfy { ($0["dialing"] as? Int) == 0 })
    }

    @Test func invalidFilesAreRejectedWithTheirErrors() async throws {
        let directory = try Workspace()
        try directory.write("campaignd.json", #"{"sip": {"bindAddress": "127.0.0.1", "port": 0}, "defaults": {"defaultCountryCode": "1"}}"#)
        try directory.write("campaigns/bad.csv", "target\n+15551230001\n555-12\n")
        let result = try await directory.campaignd("run", "--once")
        #expect(result.exitCode == 0)
        let errors = try String(contentsOfFile: directory.path + "/campaigns/rejected/bad.csv.errors.txt", encoding: .utf8)
        #expect(errors == "bad.csv:3: target \"555-12\" is not a phone number or SIP URI\n")
        #expect(FileManager.default.fileExists(atPath: directory.path + "/campaigns/rejected/bad.csv"))
        #expect(try await directory.statusCounts().isEmpty)
    }

    static func inMinutes(_ minutes: Double) -> String {
        let date = Date().addingTimeInterval(minutes * 60)
        let parts = Calendar.current.dateComponents([.hour, .minute], from: date)
        return String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
    }
}

/// logrotate moves the CDR file away and sends SIGHUP: new records go to a new file of that name.
@Suite(.serialized) struct CDRRotationTests {
    @Test func sighupReopensTheCDRFile() async throws {
        let directory = try Workspace()
        let callee = try await SIPpCallee(scenario: "uas-mixed.xml", calls: 100_000, in: directory.path)
        defer { callee.stop() }
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "sipp", "host": "127.0.0.1", "port": \(callee.port)}],
             "sip": {"bindAddress": "127.0.0.1", "port": 0},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111", "dialoutLimitPerSecond": 5,
                          "window": {"start": "00:00", "end": "24:00"}, "maxRetryNo": 0}}
            """)
        // Numbers ending in 9 are declined at once: short calls, one CDR each; 200 of them at 5 a
        // second last 40 s, so calls are still ending after the move however slowly the daemon started.
        try directory.write("campaigns/rot.csv", "target\n" + (0..<200).map { String(format: "+1555120%03d9", $0) }.joined(separator: "\n") + "\n")
        let daemon = try CampaigndProcess.start(["run"], in: directory.path)
        defer {
            kill(daemon.processIdentifier, SIGKILL)
            Child.reap(daemon)
        }
        let folder = directory.path + "/var/cdr"
        func lines(_ path: String) -> Int {
            ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").count
        }
        func currentFile() -> String? {
            ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).first { $0.hasPrefix("cdr-") }.map { folder + "/" + $0 }
        }
        var current: String?
        for _ in 0..<300 where (current.map(lines) ?? 0) < 3 {
            try await Task.sleep(for: .milliseconds(100))
            current = currentFile()
        }
        let path = try #require(current)
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        kill(daemon.processIdentifier, SIGHUP)
        // The reopened file fills as calls end (5 a second): wait for three records, bounded.
        for _ in 0..<200 where lines(path) < 3 { try await Task.sleep(for: .milliseconds(100)) }
        kill(daemon.processIdentifier, SIGTERM)
        #expect(await Child.waitForExit(daemon, seconds: 60) == 0)
        // The file under the old name holds the records written before the move; the new one the rest.
        let moved = lines(path + ".1"), reopened = lines(path)
        #expect(moved >= 3)
        #expect(reopened >= 3, "no records after SIGHUP")
        let counts = try await directory.statusCounts()
        let finished = (counts["rot"]?["failed"] as? Int ?? 0) + (counts["rot"]?["done"] as? Int ?? 0)
        #expect(moved + reopened == finished)
    }
}
