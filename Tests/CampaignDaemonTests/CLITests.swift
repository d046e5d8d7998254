import Foundation
import Testing

@Suite struct CLITests {
    @Test func helpListsCommandsAndExitCodes() async throws {
        let workspace = try Workspace()
        let help = try await workspace.campaignd("--help")
        #expect(help.exitCode == 0)
        for word in ["validate", "import", "status", "pause", "resume", "cancel", "dnc", "call", "run", "cdr", "requeue", "EXIT CODES", "--config", "--data"] {
            #expect(help.stdout.contains(word), "help does not mention \(word)")
        }
        for command in ["validate", "import", "status", "pause", "resume", "cancel", "dnc", "call", "run", "cdr", "requeue"] {
            let sub = try await workspace.campaignd(command, "--help")
            #expect(sub.exitCode == 0)
            #expect(sub.stdout.hasPrefix("USAGE: campaignd \(command)"))
        }
        #expect(try await workspace.campaignd("help", "import").stdout.hasPrefix("USAGE: campaignd import"))
    }

    @Test func usageErrorsExitTwoWithAHint() async throws {
        let workspace = try Workspace()
        let unknown = try await workspace.campaignd("stauts")
        #expect(unknown.exitCode == 2)
        #expect(unknown.stderr.contains("unknown command \"stauts\" (did you mean \"status\"?)"))
        let option = try await workspace.campaignd("status", "--jsn")
        #expect(option.exitCode == 2)
        #expect(option.stderr.contains("did you mean \"--json\"?"))
        #expect(try await workspace.campaignd().exitCode == 2)
        #expect(try await workspace.campaignd("validate").exitCode == 2)
        #expect(try await workspace.campaignd("pause").exitCode == 2)
        // Checked before anything starts: no socket opened, no data directory made.
        let metrics = try await workspace.campaignd("run", "--metrics", "localhost")
        #expect(metrics.exitCode == 2)
        #expect(metrics.stderr.contains("--metrics takes HOST:PORT"))
        #expect(!FileManager.default.fileExists(atPath: workspace.path + "/var"))
        #expect(try await workspace.campaignd("report", "nope", "--format", "pdf").exitCode == 2)
        #expect(try await workspace.campaignd("run", "--report-dir", "x").exitCode == 2)
    }

    @Test func validateReportsEveryProblemAndExitsOne() async throws {
        let workspace = try Workspace()
        try workspace.write("campaigns/good.csv", "target,name\n+15551230001,A\n+15551230001,A again\n")
        try workspace.write("campaigns/bad.csv", "target,name\n555-12,B\n+15551230002,C\nxyz,D\n")
        let good = try await workspace.campaignd("validate", "campaigns/good.csv")
        #expect(good.exitCode == 0)
        #expect(good.stdout == "campaigns/good.csv: valid, campaign good, 1 contacts (1 duplicate target dropped)\n")
        let both = try await workspace.campaignd("validate", "campaigns/good.csv", "campaigns/bad.csv")
        #expect(both.exitCode == 1)
        #expect(both.stderr.contains("bad.csv:2: target \"555-12\" is not a phone number or SIP URI"))
        #expect(both.stderr.contains("bad.csv:4: target \"xyz\" is not a phone number or SIP URI"))
        #expect(both.stderr.contains("campaigns/bad.csv: 2 problems"))
        // validate never creates a queue.
        #expect(!FileManager.default.fileExists(atPath: workspace.path + "/var"))
    }

    @Test func importStatusAndReimport() async throws {
        let workspace = try Workspace()
        try workspace.write("campaigns/lists/people.csv", "phone,first\n+15551240001,Ann\n+15551240002,Bo\n")
        try workspace.write("campaigns/spring.json", #"{"name": "Spring", "maxRetryNo": 1, "contactsFile": "people.csv"}"#)
        try workspace.write("campaigns/fall.csv", "target\n+15551230001\n+15551230002\n+15551230003\n")
        let first = try await workspace.campaignd("import", "campaigns/spring.json", "campaigns/fall.csv")
        #expect(first.exitCode == 0, "\(first.stderr)")
        #expect(first.stdout.contains("campaigns/spring.json: created campaign spring, 2 contacts added"))
        #expect(first.stdout.contains("campaigns/fall.csv: created campaign fall, 3 contacts added"))
        let counts = try await workspace.statusCounts()
        #expect(counts["spring"]?["total"] as? Int == 2)
        #expect(counts["spring"]?["pending"] as? Int == 2)
        #expect(counts["spring"]?["name"] as? String == "Spring")
        #expect(counts["fall"]?["pending"] as? Int == 3)

        let again = try await workspace.campaignd("import", "campaigns/fall.csv")
        #expect(again.exitCode == 0)
        #expect(again.stdout.contains("already imported into campaign fall"))
        try workspace.write("campaigns/fall.csv", "target\n+15551230001\n+15551230004\n")
        let changed = try await workspace.campaignd("import", "campaigns/fall.csv")
        #expect(changed.stdout.contains("updated campaign fall, 1 contacts added, 1 already in the campaign"))
        #expect(try await workspace.statusCounts()["fall"]?["total"] as? Int == 4)

        let table = try await workspace.campaignd("status")
        #expect(table.stdout.contains("CAMPAIGN"))
        #expect(table.stdout.split(separator: "\n").contains { $0.hasPrefix("fall ") && $0.contains(" 4 ") })
    }

    @Test func invalidFileImportsNothing() async throws {
        let workspace = try Workspace()
        var csv = "target\n"
        for row in 0..<10_000 { csv += row == 9_999 ? "not-a-number\n" : String(format: "+1555%07d\n", row) }
        try workspace.write("campaigns/big.csv", csv)
        let result = try await workspace.campaignd("import", "campaigns/big.csv")
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("big.csv:10001: target \"not-a-number\" is not a phone number or SIP URI"))
        #expect(result.stderr.contains("campaigns/big.csv: not imported"))
        #expect(try await workspace.statusCounts().isEmpty)
    }

    @Test func pauseResumeCancel() async throws {
        let workspace = try Workspace()
        try workspace.write("campaigns/c.csv", "target\n+15551230001\n")
        _ = try await workspace.campaignd("import", "campaigns/c.csv")
        #expect(try await workspace.campaignd("pause", "c").stdout == "campaign c paused\n")
        #expect(try await workspace.statusCounts()["c"]?["state"] as? String == "paused")
        #expect(try await workspace.campaignd("resume", "c").exitCode == 0)
        #expect(try await workspace.statusCounts()["c"]?["state"] as? String == "active")
        #expect(try await workspace.campaignd("cancel", "c").exitCode == 0)
        #expect(try await workspace.statusCounts()["c"]?["cancelled"] as? Int == 1)
        let resume = try await workspace.campaignd("resume", "c")
        #expect(resume.exitCode == 4)
        #expect(resume.stderr.contains("was cancelled"))
        let missing = try await workspace.campaignd("pause", "nope")
        #expect(missing.exitCode == 4)
        #expect(missing.stderr.contains("no campaign \"nope\""))
    }

    @Test func dncCommands() async throws {
        let workspace = try Workspace()
        try workspace.write("campaignd.json", #"{"defaults": {"defaultCountryCode": "1"}}"#)
        let add = try await workspace.campaignd("dnc", "add", "(555) 123-0001", "+15551230002")
        #expect(add.exitCode == 0)
        #expect(add.stdout == "2 numbers added to the DNC list (0 already on it)\n")
        try workspace.write("optout.csv", "Phone,reason\n555.123.0003,asked\n+15551230001,again\n")
        #expect(try await workspace.campaignd("dnc", "import", "optout.csv").stdout.contains("1 numbers added to the DNC list (1 already on it)"))
        try workspace.write("plain.txt", "+15551230004\n555-123-0005\n")
        #expect(try await workspace.campaignd("dnc", "import", "plain.txt").exitCode == 0)
        let list = try await workspace.campaignd("dnc", "list")
        #expect(list.stdout.split(separator: "\n").map { $0.split(separator: "\t")[0] } == [
            "+15551230001", "+15551230002", "+15551230003", "+15551230004", "+15551230005",
        ])
        try workspace.write("campaigns/c.csv", "target\n+15551230001\n+15551230009\n")
        #expect(try await workspace.campaignd("import", "campaigns/c.csv").stdout.contains("1 skipped (on the DNC list)"))
        #expect(try await workspace.campaignd("dnc", "remove", "555-123-0001").stdout.hasPrefix("1 number removed"))
        #expect(try await workspace.statusCounts()["c"]?["pending"] as? Int == 2)
        let bad = try await workspace.campaignd("dnc", "add", "12")
        #expect(bad.exitCode == 1)
        #expect(bad.stderr.contains("target \"12\" is not a phone number or SIP URI"))
        try workspace.write("badlist.csv", "target\n+15551230007\nnope\n")
        let badImport = try await workspace.campaignd("dnc", "import", "badlist.csv")
        #expect(badImport.exitCode == 1)
        #expect(badImport.stderr.contains("badlist.csv:3: target \"nope\""))
        #expect(!(try await workspace.campaignd("dnc", "list").stdout.contains("+15551230007")))
    }

    @Test func configurationErrorsExitThree() async throws {
        let workspace = try Workspace()
        try workspace.write("bad.json", """
            {
              "campaignsDir": "campaigns",
              "limits": {"maxConcurrentCals": 5},
              "trunks": [{"name": "carrier", "host": "sip.example.com", "transport": "tls"}],
              "defaults": {"answerTimeoutSec": 0}
            }
            """)
        let result = try await workspace.campaignd("--config", "bad.json", "status")
        #expect(result.exitCode == 3)
        #expect(result.stderr.contains("bad.json:3: limits.maxConcurrentCals: unknown setting \"maxConcurrentCals\" (did you mean \"maxConcurrentCalls\"?)"))
        #expect(result.stderr.contains("bad.json:4: trunks[0].transport: transport \"tls\" needs a TLS library, which campaignd's dependency rules do not allow (so neither SIP over TLS nor SRTP is available); use \"udp\" or \"tcp\""))
        #expect(result.stderr.contains("bad.json:5: defaults.answerTimeoutSec: 0 is out of range; expected 1 to 300"))
        let missing = try await workspace.campaignd("--config", "nope.json", "status")
        #expect(missing.exitCode == 3)
        #expect(missing.stderr.contains("nope.json: configuration file does not exist"))
    }

    /// `runtime.realtimePriority`: the loops' real-time scheduling is logged when granted, and when
    /// refused the run goes on at normal priority with a warning that says what to grant.
    @Test func realtimeLoopsAreLoggedGrantedOrRefusedWithTheFix() async throws {
        let workspace = try Workspace()
        try workspace.write("campaignd.json", """
            {"sip": {"bindAddress": "127.0.0.1", "port": 0}, "runtime": {"threads": 2, "realtimePriority": 7}}
            """)
        // Refused: no CAP_SYS_NICE and an RLIMIT_RTPRIO of 0, as for a service user without LimitRTPRIO.
        var wrapper = ["--rtprio=0", "--"]
        if Capabilities.effective(23) {  // CAP_SYS_NICE: drop it for the child (setpriv needs CAP_SETPCAP)
            #expect(Capabilities.effective(8), "CAP_SYS_NICE without CAP_SETPCAP: cannot run campaignd without it")
            wrapper += ["setpriv", "--inh-caps=-sys_nice", "--bounding-set=-sys_nice", "--"]
        }
        let refused = try await CampaigndProcess.runTool(
            "/usr/bin/prlimit", wrapper + [CampaigndProcess.binary, "--config", "campaignd.json", "run", "--once"], in: workspace.path)
        #expect(refused.exitCode == 0, "\(refused.stderr)")
        #expect(refused.stderr.contains(
            #"warning event loops run at normal priority: real-time scheduling refused priority=7 error="Operation not permitted" fix="give campaignd an RLIMIT_RTPRIO of at least 7 (systemd: LimitRTPRIO=7) or CAP_SYS_NICE""#),
            "\(refused.stderr)")
        #expect(!refused.stderr.contains("run real-time"))
        // Granted where this process may (root, or an RLIMIT_RTPRIO of 7 or more); the threads' own
        // policy is checked in EventLoopTests.
        if Capabilities.effective(23) || Capabilities.realtimePriorityLimit >= 7 {
            let granted = try await workspace.campaignd("--config", "campaignd.json", "run", "--once")
            #expect(granted.exitCode == 0, "\(granted.stderr)")
            #expect(granted.stderr.contains("info event loops run real-time policy=SCHED_RR priority=7 threads=2"), "\(granted.stderr)")
        }
        try workspace.write("campaignd.json", #"{"runtime": {"realtimePriority": 100}}"#)
        let invalid = try await workspace.campaignd("--config", "campaignd.json", "status")
        #expect(invalid.exitCode == 3)
        #expect(invalid.stderr.contains("campaignd.json:1: runtime.realtimePriority: 100 is out of range; expected 1 to 99"), "\(invalid.stderr)")
    }

    @Test func configurationSetsDataDirectoryAndDefaults() async throws {
        let workspace = try Workspace()
        try workspace.write("etc/campaignd.json", """
            {"dataDir": "../state", "campaignsDir": "../campaigns", "trunks": [{"name": "carrier", "host": "127.0.0.1"}],
             "dialoutAllowedCallers": ["+15550001111"], "defaults": {"defaultCountryCode": "1", "trunk": "carrier"}}
            """)
        try workspace.write("campaigns/a.json", #"{"caller": "+15550002222", "contacts": [{"target": "555-123-0001"}]}"#)
        let rejected = try await workspace.campaignd("--config", "etc/campaignd.json", "import", "campaigns/a.json")
        #expect(rejected.exitCode == 1)
        #expect(rejected.stderr.contains("a.json:1: caller: caller \"+15550002222\" is not in dialoutAllowedCallers"))
        try workspace.write("campaigns/a.json", #"{"caller": "+15550001111", "contacts": [{"target": "555-123-0001"}]}"#)
        let accepted = try await workspace.campaignd("--config", "etc/campaignd.json", "import", "campaigns/a.json")
        #expect(accepted.exitCode == 0, "\(accepted.stderr)")
        #expect(FileManager.default.fileExists(atPath: workspace.path + "/state/campaignd.db"))
        // --data overrides the configuration.
        #expect(try await workspace.campaignd("--config", "etc/campaignd.json", "--data", "other", "status").stdout.hasPrefix("No campaigns"))
    }
}

@Suite struct CDRAndWatchTests {
    /// A data directory with CDR files for two days, written as the dispatcher writes them.
    func workspaceWithCDRs() throws -> Workspace {
        let workspace = try Workspace()
        let line = { (campaign: String, target: String, start: String, reason: String) in
            #"{"outboundCall":true,"cdrSeq":7,"cdrId":"id-\#(target)","conversationId":"c","sipCallId":null,"campaignId":"\#(campaign)","contactId":1,"attempt":1,"target":"\#(target)","caller":null,"trunk":null,"startTime":"\#(start)","ringTime":null,"connectTime":null,"disconnectTime":"\#(start)","ringDurationMs":null,"connectDurationMs":null,"callDurationSec":0,"status":"failed","reasonCode":"\#(reason)","reason":"Busy, really","sipCode":486,"machineDetection":null,"amdDecisionMs":null,"beepDetected":null,"willRetry":true,"nextAttemptAt":null,"metadata":{"a":1},"timeZones":["America/New_York"],"zoneSource":"number"}"#
        }
        try workspace.write("var/cdr/cdr-2026-11-20.jsonl", line("alpha", "+15550000001", "2026-11-20T10:00:00.000Z", "busy") + "\n")
        try workspace.write("var/cdr/cdr-2026-11-21.jsonl",
            line("beta", "+15550000002", "2026-11-21T09:00:00.000Z", "declined") + "\n" + line("alpha", "+15550000003", "2026-11-21T11:00:00.000Z", "busy") + "\n")
        return workspace
    }

    @Test func filtersAndFormats() async throws {
        let workspace = try workspaceWithCDRs()
        let all = try await workspace.campaignd("cdr")
        #expect(all.exitCode == 0)
        #expect(all.stdout.split(separator: "\n").count == 3)
        let alpha = try await workspace.campaignd("cdr", "--campaign", "alpha", "--since", "2026-11-21")
        #expect(alpha.stdout.split(separator: "\n").map { $0.contains("+15550000003") } == [true])
        let csv = try await workspace.campaignd("cdr", "--format", "csv", "--campaign", "beta")
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("outboundCall,cdrId,conversationId,sipCallId,campaignId") == true)
        #expect(lines.count == 2)
        #expect(lines.last?.hasPrefix("true,id-+15550000002,c,,beta,1,1,+15550000002,") == true)
        #expect(lines.last?.contains("\"Busy, really\",486") == true)
        // The connect columns come last, empty for a call that was not put through.
        #expect(lines.last?.hasSuffix(",true,,\"{\"\"a\"\":1}\",7,\"[\"\"America/New_York\"\"]\",number,,,,,") == true, "\(lines.last ?? "")")
        #expect(try await workspace.campaignd("cdr", "--format", "xml").exitCode == 2)
        #expect(try await workspace.campaignd("cdr", "--since", "yesterday").exitCode == 2)
    }

    @Test func followPrintsRecordsAsTheyAreWritten() async throws {
        let workspace = try workspaceWithCDRs()
        let output = workspace.path + "/follow.out"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CampaigndProcess.binary)
        process.arguments = ["cdr", "--follow"]
        process.currentDirectoryURL = URL(fileURLWithPath: workspace.path)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        defer {
            kill(process.processIdentifier, SIGKILL)
            Child.reap(process)
        }
        try await Task.sleep(for: .milliseconds(600))
        // A new day's file appears, as at midnight UTC.
        try workspace.write("var/cdr/cdr-2026-11-22.jsonl", #"{"outboundCall":true,"cdrId":"late","campaignId":"alpha","startTime":"2026-11-22T00:00:01.000Z"}"# + "\n")
        var text = ""
        for _ in 0..<40 where !text.contains("\"late\"") {
            try await Task.sleep(for: .milliseconds(100))
            text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        }
        #expect(text.split(separator: "\n").count == 4)
        #expect(text.contains("\"cdrId\":\"late\""))
    }

    @Test func statusWatchRedraws() async throws {
        let workspace = try Workspace()
        try workspace.write("campaigns/w.csv", "target\n+15551230001\n+15551230002\n")
        _ = try await workspace.campaignd("import", "campaigns/w.csv")
        let output = workspace.path + "/watch.out"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CampaigndProcess.binary)
        process.arguments = ["status", "--watch"]
        process.currentDirectoryURL = URL(fileURLWithPath: workspace.path)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        try process.run()
        try await Task.sleep(for: .milliseconds(2300))
        kill(process.processIdentifier, SIGKILL)
        Child.reap(process)
        let text = try String(contentsOfFile: output, encoding: .utf8)
        #expect(text.components(separatedBy: "\u{1B}[H\u{1B}[2J").count - 1 >= 2)
        #expect(text.contains("w         active    [..............................]   0.0%  0/2"))
    }
}

/// This process's capabilities and real-time limit, for tests whose outcome depends on them.
enum Capabilities {
    /// Whether capability number `bit` (<linux/capability.h>) is in the effective set.
    static func effective(_ bit: Int) -> Bool {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapEff:") }),
              let mask = UInt64(line.dropFirst(7).trimmingCharacters(in: .whitespaces), radix: 16) else { return false }
        return mask & (1 << UInt64(bit)) != 0
    }

    /// The soft RLIMIT_RTPRIO: the highest real-time priority allowed without CAP_SYS_NICE.
    static var realtimePriorityLimit: UInt {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(__RLIMIT_RTPRIO.rawValue), &limit) == 0 else { return 0 }
        return UInt(limit.rlim_cur)
    }
}
