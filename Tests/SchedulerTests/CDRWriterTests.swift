import Foundation
import Telephony
import Testing
@testable import Scheduler

/// The CDR files written from the queue: exactly one line per finished attempt, whatever happened
/// between the commit and the line (a crash, a torn line, a full disk, logrotate).
@Suite struct CDRWriterTests {
    /// A queue with `count` contacts in campaign "cdr", in a fresh directory.
    struct Queue {
        let directory = try! TestDirectory()
        let store: QueueStore
        var dataDirectory: String { directory.path + "/var" }
        var cdrDirectory: String { dataDirectory + "/cdr" }

        init(contacts count: Int) throws {
            store = try QueueStore(dataDirectory: directory.path + "/var")
            var settings = CampaignSettings()
            settings.maxRetryNo = 0
            _ = try store.importCampaign(CampaignSpec(
                id: "cdr", sourceFile: "cdr.csv", settings: settings,
                contacts: (1...count).map { ContactSpec(target: "+1555000\(String(format: "%04d", $0))", line: $0 + 1) },
                duplicateCount: 0, contentHash: "cdr-\(count)"))
        }

        /// Claims and finishes the contacts `ids` (busy), the calls ending at `end` (Unix ms): what the
        /// dispatcher commits before anything is written to a CDR file.
        func finish(_ ids: ClosedRange<Int64>, endingAt end: Int64) throws {
            let campaign = try #require(try store.activeCampaigns().first)
            for id in ids {
                let claimed = try #require(try store.claimNext(campaign, now: end - 5000))
                #expect(claimed.contactID == id)
                try store.markInviteSent(attemptID: claimed.attemptID, sipCallID: "call-\(id)")
                _ = try store.finish(claimed, result: CallResult(
                    outcome: ScriptedDialer.busy, sipCallID: "call-\(id)", startTime: end - 5000, ringTime: end - 4000,
                    connectTime: nil, disconnectTime: end), policy: RetryPolicy(maxRetryNo: 0, retryIntervalSec: 60, retryOn: [.busy]))
            }
        }

        func cdrIDsInTheDatabase() throws -> [String] {
            try store.finishedAttempts(campaignID: "cdr").map(\.cdrId)
        }

        /// Every CDR file's lines, files in name order (as `campaignd cdr` reads them).
        func files() throws -> [String: [String]] {
            let names = try FileManager.default.contentsOfDirectory(atPath: cdrDirectory).filter { $0.hasSuffix(".jsonl") }
            var files: [String: [String]] = [:]
            for name in names {
                let text = try String(contentsOfFile: cdrDirectory + "/" + name, encoding: .utf8)
                #expect(text.isEmpty || text.hasSuffix("\n"), "\(name) ends in a torn line")
                files[name] = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
            }
            return files
        }

        /// The lines of every file in reading order, each checked to be one whole JSON object.
        func lines() throws -> [[String: Any]] {
            try files().sorted { $0.key < $1.key }.flatMap(\.value).map { line in
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                return try #require(object, "not a JSON object: \(line)")
            }
        }
    }

    /// 2026-11-20T12:00:00Z and the next day.
    static let dayOne: Int64 = 1_795_176_000_000
    static let dayTwo: Int64 = dayOne + 86_400_000

    final class Events: @unchecked Sendable {
        // @unchecked Sendable: `lock` guards `all`.
        private let lock = NSLock()
        private var all: [CDRWriter.Event] = []
        func add(_ event: CDRWriter.Event) { lock.withLock { all.append(event) } }
        var events: [CDRWriter.Event] { lock.withLock { all } }
    }

    @Test func aCrashBetweenCommitAndLineLeavesATornLineThatTheNextStartCutsAndRewrites() throws {
        let queue = try Queue(contacts: 8)
        try queue.finish(1...5, endingAt: Self.dayOne)
        #expect(try CDRWriter(dataDirectory: queue.dataDirectory).catchUp() == 5)
        // Three more calls are committed; the process dies while writing the first of their lines.
        try queue.finish(6...8, endingAt: Self.dayOne + 1000)
        let path = queue.cdrDirectory + "/cdr-2026-11-20.jsonl"
        let torn = Array(#"{"outboundCall":true,"cdrSeq":6,"cdrId":"4f1c"#.utf8)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: torn)
        try handle.close()

        let events = Events()
        let restarted = try CDRWriter(dataDirectory: queue.dataDirectory, onEvent: events.add)
        #expect(try restarted.catchUp() == 3)
        guard case .cutTornLine(let file, let bytes) = try #require(events.events.first) else {
            Issue.record("expected the torn line to be cut, got \(events.events)")
            return
        }
        #expect(file == "cdr-2026-11-20.jsonl")
        #expect(bytes == Int64(torn.count))
        let lines = try queue.lines()
        #expect(lines.map { $0["cdrSeq"] as? Int } == Array(1...8))
        #expect(lines.map { $0["cdrId"] as? String } == (try queue.cdrIDsInTheDatabase()))
        #expect(lines.allSatisfy { $0["outboundCall"] as? Bool == true && $0["reasonCode"] as? String == "busy" })
        // A second start finds nothing missing and writes nothing twice.
        #expect(try CDRWriter(dataDirectory: queue.dataDirectory).catchUp() == 0)
        #expect(try queue.lines().count == 8)
    }

    @Test func linesMissingAfterACrashAreWrittenInOrderAtTheNextStart() throws {
        let queue = try Queue(contacts: 6)
        try queue.finish(1...2, endingAt: Self.dayOne)
        #expect(try CDRWriter(dataDirectory: queue.dataDirectory).catchUp() == 2)
        // Committed, then killed before any line was written (no torn line this time).
        try queue.finish(3...6, endingAt: Self.dayOne + 2000)
        #expect(try queue.lines().count == 2)
        #expect(try CDRWriter(dataDirectory: queue.dataDirectory).catchUp() == 4)
        #expect(try queue.lines().map { $0["sipCallId"] as? String } == (1...6).map { "call-\($0)" })
    }

    @Test func aFullDiskPausesDialingAndTheWriterGoesOnWhereItStoppedWhenSpaceReturns() throws {
        let queue = try Queue(contacts: 5)
        try queue.finish(1...2, endingAt: Self.dayOne)
        let events = Events()
        let writer = try CDRWriter(dataDirectory: queue.dataDirectory, onEvent: events.add)
        #expect(try writer.catchUp() == 2)
        #expect(!writer.isBlocked)
        // The next day's file is on a full disk: every write to /dev/full fails with ENOSPC.
        let full = queue.cdrDirectory + "/cdr-2026-11-21.jsonl"
        try FileManager.default.createSymbolicLink(atPath: full, withDestinationPath: "/dev/full")
        try queue.finish(3...5, endingAt: Self.dayTwo)
        #expect(throws: CDRWriterError.cannotWrite(path: full, errno: ENOSPC)) { try writer.catchUp() }
        #expect(writer.isBlocked)
        #expect(throws: CDRWriterError.self) { try writer.catchUp() }
        #expect(writer.isBlocked)
        // Space returns.
        try FileManager.default.removeItem(atPath: full)
        #expect(try writer.catchUp() == 3)
        #expect(!writer.isBlocked)
        let kinds = events.events.map { event -> String in
            switch event {
            case .paused(let reason): "paused: \(reason)"
            case .resumed(let lines): "resumed \(lines)"
            case .cutTornLine(let file, _): "cut \(file)"
            }
        }
        #expect(kinds == ["paused: cannot write the CDR file \(full): No space left on device", "resumed 3"])
        let files = try queue.files()
        #expect(files.mapValues(\.count) == ["cdr-2026-11-20.jsonl": 2, "cdr-2026-11-21.jsonl": 3])
        #expect(try queue.lines().map { $0["cdrSeq"] as? Int } == Array(1...5))
    }

    @Test func underTheFreeSpaceMinimumDialingPausesButLinesAreStillWritten() throws {
        let queue = try Queue(contacts: 1)
        try queue.finish(1...1, endingAt: Self.dayOne)
        let writer = try CDRWriter(dataDirectory: queue.dataDirectory, settings: .init(minimumFreeBytes: Int64.max / 2))
        #expect(try writer.catchUp() == 1)
        #expect(writer.isBlocked)
        #expect(try queue.lines().count == 1)
    }

    @Test func filesMovedAwayByLogrotateAreNotWrittenAgain() throws {
        let queue = try Queue(contacts: 4)
        try queue.finish(1...3, endingAt: Self.dayOne)
        let writer = try CDRWriter(dataDirectory: queue.dataDirectory)
        #expect(try writer.catchUp() == 3)
        // What the writer thread does every second and when it stops.
        writer.recordProgress()
        let path = queue.cdrDirectory + "/cdr-2026-11-20.jsonl"
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        writer.reopen()
        let restarted = try CDRWriter(dataDirectory: queue.dataDirectory)
        #expect(try restarted.catchUp() == 0)
        #expect(!FileManager.default.fileExists(atPath: path))
        try queue.finish(4...4, endingAt: Self.dayOne + 1000)
        #expect(try restarted.catchUp() == 1)
        #expect(try queue.lines().map { $0["cdrSeq"] as? Int } == [4])
    }

    @Test func anUpgradeFromBeforeSequenceNumbersWritesNoOldLineAgain() throws {
        let directory = try TestDirectory()
        let dataDirectory = directory.path + "/var"
        // A database as the previous release left it: schema 5, two finished attempts whose lines
        // (without cdrSeq) are in the file already.
        try FileManager.default.createDirectory(atPath: dataDirectory + "/cdr", withIntermediateDirectories: true)
        let settings = String(decoding: try JSONEncoder().encode(CampaignSettings()), as: UTF8.self)
        do {
            let old = try SQLiteConnection(path: dataDirectory + "/campaignd.db")
            try old.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
            for migration in Migrations.all where migration.version <= 5 {
                try old.execute(migration.sql)
                try old.execute("INSERT INTO schema_migrations VALUES (\(migration.version), 'old', '2026-11-20')")
            }
            try old.execute("""
                INSERT INTO campaigns (key, id, settings, source_file, created_at, updated_at) VALUES (1, 'old', '\(settings)', 'old.csv', '', '');
                INSERT INTO contacts (id, campaign_key, target, state, attempts) VALUES (1, 1, '+15550000001', 'done', 1),
                    (2, 1, '+15550000002', 'done', 1), (3, 1, '+15550000003', 'pending', 0);
                INSERT INTO attempts (id, cdr_id, contact_id, campaign_key, attempt, conversation_id, target, invite_sent, start_time,
                    disconnect_time, status, reason_code, will_retry)
                VALUES (1, 'old-1', 1, 1, 1, 'c1', '+15550000001', 1, \(Self.dayOne - 9000), \(Self.dayOne - 5000), 'failed', 'busy', 0),
                       (2, 'old-2', 2, 1, 1, 'c2', '+15550000002', 1, \(Self.dayOne - 8000), \(Self.dayOne - 4000), 'failed', 'busy', 0);
                """)
        }
        let legacy = #"{"outboundCall":true,"cdrId":"old-1"}"# + "\n" + #"{"outboundCall":true,"cdrId":"old-2"}"# + "\n"
        try directory.write("var/cdr/cdr-2026-11-20.jsonl", legacy)

        let writer = try CDRWriter(dataDirectory: dataDirectory)
        #expect(try writer.catchUp() == 0)
        // The next finished attempt follows them.
        let store = try QueueStore(dataDirectory: dataDirectory)
        let campaign = try #require(try store.activeCampaigns().first)
        let claimed = try #require(try store.claimNext(campaign, now: Self.dayOne))
        _ = try store.finish(claimed, result: CallResult(outcome: ScriptedDialer.busy, sipCallID: "call-3", startTime: Self.dayOne,
                                                         ringTime: nil, connectTime: nil, disconnectTime: Self.dayOne + 1000),
                             policy: RetryPolicy(maxRetryNo: 0, retryIntervalSec: 60, retryOn: [.busy]))
        #expect(try writer.catchUp() == 1)
        let lines = try String(contentsOfFile: dataDirectory + "/cdr/cdr-2026-11-20.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.last?.hasPrefix(#"{"outboundCall":true,"cdrSeq":3,"#) == true)
    }

    @Test func theWriterThreadWritesWhatIsNudgedAndTheRestWhenItStops() async throws {
        let queue = try Queue(contacts: 3)
        // A writer that was never started stops at once.
        await (try CDRWriter(dataDirectory: queue.dataDirectory)).shutdown()
        // Polling only every 10 minutes: what is written before the stop came through the nudge.
        let writer = try CDRWriter(dataDirectory: queue.dataDirectory, settings: .init(pollInterval: .seconds(600)))
        writer.start()
        try queue.finish(1...2, endingAt: Self.dayOne)
        writer.nudge()
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while (try? queue.lines().count) != 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(try queue.lines().count == 2)
        try queue.finish(3...3, endingAt: Self.dayOne + 1000)
        await writer.shutdown()
        #expect(try queue.lines().map { $0["cdrSeq"] as? Int } == [1, 2, 3])
    }

    @Test func aCallEndingBeforeMidnightButCommittedAfterANextDayLineStaysInTheNextDaysFile() throws {
        let queue = try Queue(contacts: 2)
        try queue.finish(1...1, endingAt: Self.dayTwo)
        try queue.finish(2...2, endingAt: Self.dayOne)
        #expect(try CDRWriter(dataDirectory: queue.dataDirectory).catchUp() == 2)
        // Reading the files in name order gives the sequence order.
        #expect(try queue.files().mapValues(\.count) == ["cdr-2026-11-21.jsonl": 2])
        #expect(try queue.lines().map { $0["sipCallId"] as? String } == ["call-1", "call-2"])
    }
}
