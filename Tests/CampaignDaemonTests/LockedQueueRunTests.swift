import Foundation
import Testing

/// `campaignd run` while another process holds the queue's write lock for longer than the busy
/// timeout (an operator's `sqlite3` shell left in `BEGIN IMMEDIATE`): the daemon warns, dials
/// nothing new, keeps the ends of the calls in progress and writes them once the lock goes. Calls
/// to SIPp (deploy/sipp/uas-mixed.xml: the last digit decides), webhooks to a real receiver, the
/// lock held by Python's sqlite3.
@Suite(.serialized) struct LockedQueueRunTests {
    typealias Request = APIDaemon.Request
    static let signingSecret = "whsec-locked-queue-7f3a"
    static let hookPassword = "hook-pass-91c2"
    static let contacts = 60

    /// Takes the write lock with BEGIN IMMEDIATE and writes "locked MS" to the state file; lets go
    /// once it has held it `hold` seconds and the release file exists (60 s at most), then appends "released MS".
    static let holder = #"""
    import os, sqlite3, sys, time
    database, state, release, hold, go = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5]
    def note(text, path=state):
        with open(path + ".tmp", "w") as f:
            f.write(text)
        os.rename(path + ".tmp", path)
    conn = sqlite3.connect(database, timeout=30, isolation_level=None)
    # Started ahead, it takes the lock within milliseconds of being told to.
    note("ready\n", state + ".ready")
    deadline = time.time() + 120
    while time.time() < deadline and not os.path.exists(go):
        time.sleep(0.005)
    conn.execute("BEGIN IMMEDIATE")
    locked = int(time.time() * 1000)
    note("locked %d\n" % locked)
    deadline = time.time() + 60
    while time.time() < deadline and not (time.time() * 1000 - locked >= hold * 1000 and os.path.exists(release)):
        time.sleep(0.05)
    released = int(time.time() * 1000)
    conn.execute("ROLLBACK")
    conn.close()
    note("locked %d\nreleased %d\n" % (locked, released))
    """#

    func configure(_ directory: Workspace, sippPort: Int, receiverPort: Int) throws {
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "sipp", "host": "127.0.0.1", "port": \(sippPort)}],
             "sip": {"bindAddress": "127.0.0.1", "port": 0, "t1Ms": 100},
             "limits": {"dialoutLimitPerSecond": 4, "maxConcurrentCalls": 8},
             "notifications": {"signingSecret": "\(Self.signingSecret)", "connectTimeoutSec": 1, "readTimeoutSec": 2},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111", "timezone": "UTC", "answerTimeoutSec": 2,
                          "window": {"start": "00:00", "end": "24:00"}, "maxRetryNo": 0, "dialoutLimitPerSecond": 4},
             \(APIDaemon.apiSection())}
            """)
        // Last digits 0-5 answer and hang up after 500 ms, 6-7 busy, 8 rings until the 2 s answer timeout, 9 declines.
        try directory.write("campaigns/lists/locked.csv", "phone\n" + (0..<Self.contacts).map { String(format: "+1555610%04d", $0) }.joined(separator: "\n") + "\n")
        try directory.write("campaigns/locked.json", """
            {"name": "Locked", "contactsFile": "locked.csv", "notifyUrl": "http://127.0.0.1:\(receiverPort)/hooks",
             "notifyUsername": "hook", "notifyPassword": "\(Self.hookPassword)"}
            """)
    }

    func cdrs(_ directory: Workspace) -> [[String: Any]] {
        let folder = directory.path + "/var/cdr"
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasPrefix("cdr-") }.sorted()
        return files.flatMap { file in
            ((try? String(contentsOfFile: folder + "/" + file, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }
    }

    /// Waits (at most `seconds`, looking every 100 ms) until `done` holds; whether it did.
    @discardableResult
    func waitUntil(seconds: Double, _ done: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await done() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await done()
    }

    /// Unix milliseconds of a CDR time ("2026-01-02T03:04:05.678Z"), read field by field.
    static func milliseconds(_ iso: Any?) -> Int64? {
        guard let text = iso as? String, text.utf8.count == 24, text.hasSuffix("Z") else { return nil }
        let digits = text.split(whereSeparator: { "-T:.Z".contains($0) }).compactMap { Int($0) }
        guard digits.count == 7 else { return nil }
        var parts = tm()
        parts.tm_year = Int32(digits[0] - 1900)
        parts.tm_mon = Int32(digits[1] - 1)
        parts.tm_mday = Int32(digits[2])
        parts.tm_hour = Int32(digits[3])
        parts.tm_min = Int32(digits[4])
        parts.tm_sec = Int32(digits[5])
        return Int64(timegm(&parts)) * 1000 + Int64(digits[6])
    }

    @Test func aLockHeldByAnotherProcessPausesDialingAndLosesNothing() async throws {
        let directory = try Workspace()
        let receiver = try await WebhookReceiver(in: directory.path, secret: Self.signingSecret)
        let callee = try await SIPpCallee(scenario: "uas-mixed.xml", calls: 100_000, in: directory.path)
        defer {
            callee.stop()
            receiver.stop()
        }
        try configure(directory, sippPort: callee.port, receiverPort: receiver.port)
        let daemon = try await APIDaemon(in: directory.path)

        // The lock holder (Python's sqlite3) is started ahead and told when to take the lock, so that
        // its start-up, slow on a loaded machine, is not in the window below.
        let script = try directory.write("hold-lock.py", Self.holder)
        let statePath = directory.path + "/lock-state", releasePath = directory.path + "/lock-release"
        let goPath = directory.path + "/lock-go"
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        holder.arguments = [script, directory.path + "/var/campaignd.db", statePath, releasePath, "8", goPath]
        holder.standardInput = FileHandle.nullDevice
        holder.standardOutput = FileHandle.nullDevice
        let holderLog = directory.path + "/hold-lock.log"
        _ = FileManager.default.createFile(atPath: holderLog, contents: nil)
        holder.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: holderLog))
        try holder.run()
        defer { Child.kill(holder) }
        let ready = try await waitUntil(seconds: 40) { FileManager.default.fileExists(atPath: statePath + ".ready") }
        try #require(ready, "the holder did not start: \((try? String(contentsOfFile: holderLog, encoding: .utf8)) ?? "")")
        // Calls are being dialed and finished: take the lock in the middle of it, as the first call
        // that rings for 2 s (a number ending in 8) goes out, so that at least one call is up.
        let dialing = try await waitUntil(seconds: 60) { cdrs(directory).count >= 4 && daemon.log.contains("target=+15556100008") }
        try #require(dialing, "no calls were made: \(daemon.log.suffix(2000))")
        _ = FileManager.default.createFile(atPath: goPath, contents: nil)
        let locked = try await waitUntil(seconds: 40) { FileManager.default.fileExists(atPath: statePath) }
        try #require(locked, "the holder never got the write lock: \((try? String(contentsOfFile: holderLog, encoding: .utf8)) ?? "")")

        // The busy timeout runs out (5 s): the daemon says so and goes on running.
        let warned = try await waitUntil(seconds: 30) { daemon.log.contains("queue locked by another process") }
        #expect(warned, "no warning: \(daemon.log.suffix(3000))")
        #expect(Child.exitStatus(daemon.process) == nil, "the daemon stopped: \(daemon.log.suffix(3000))")
        let warning = daemon.log.split(separator: "\n").first { $0.contains("queue locked by another process") }.map(String.init) ?? ""
        #expect(warning.contains(" warning "))
        #expect(warning.contains("file=" + directory.path + "/var/campaignd.db"), "\(warning)")
        let lockedFor = warning.split(separator: " ").first { $0.hasPrefix("locked_for_ms=") }.flatMap { Int($0.dropFirst("locked_for_ms=".count)) }
        #expect((lockedFor ?? 0) >= 4000, "\(warning)")

        // The API refuses a call or a campaign change it could not record, at once (not after
        // SQLite's 5 s busy timeout), and says when to try again; it still reads.
        let answers = try await daemon.send([
            Request("POST", "/v1/calls", headers: APIDaemon.bearer.merging(APIDaemon.jsonType) { $1 }, body: #"{"target": "5551239999"}"#),
            Request("POST", "/v1/campaigns/locked/pause", headers: APIDaemon.bearer),
            Request("GET", "/v1/campaigns/locked", headers: APIDaemon.bearer),
        ])
        for refused in answers.prefix(2) {
            #expect(refused.status == 503, "\(refused.status) \(refused.body)")
            #expect(refused.errorCode == "unavailable")
            #expect(refused.headers["retry-after"] == "5")
        }
        #expect(answers[2].status == 200, "\(answers[2].body)")
        #expect(answers.allSatisfy { $0.seconds < 4 }, "\(answers.map(\.seconds)) s each")

        // Let go (after 8 s held in all): the daemon sees it, and dials on.
        _ = FileManager.default.createFile(atPath: releasePath, contents: nil)
        #expect(await Child.waitForExit(holder, seconds: 60) == 0)
        let state = try String(contentsOfFile: statePath, encoding: .utf8)
        let stamps = Dictionary(uniqueKeysWithValues: state.split(separator: "\n").compactMap { line -> (String, Int64)? in
            let parts = line.split(separator: " ")
            return parts.count == 2 ? (String(parts[0]), Int64(parts[1]) ?? 0) : nil
        })
        let lockedAt = try #require(stamps["locked"]), releasedAt = try #require(stamps["released"])
        #expect(releasedAt - lockedAt >= 8000)
        let unlocked = try await waitUntil(seconds: 30) { daemon.log.contains("queue unlocked: dialing resumes") }
        #expect(unlocked, "\(daemon.log.suffix(3000))")

        // Every contact gets done, every call its CDR line and its final webhook.
        let finished = try await waitUntil(seconds: 120) {
            let counts = try await directory.statusCounts()["locked"] ?? [:]
            return (counts["done"] as? Int ?? 0) + (counts["failed"] as? Int ?? 0) == Self.contacts
        }
        let counts = try await directory.statusCounts()["locked"] ?? [:]
        #expect(finished, "\(counts)\n\(daemon.log.suffix(3000))")
        #expect(counts["total"] as? Int == Self.contacts)
        #expect(try await waitUntil(seconds: 30) { cdrs(directory).count >= Self.contacts })
        func finalWebhooks() -> [WebhookReceiver.Delivery] {
            receiver.deliveries.filter { ["completed", "failed"].contains($0.body["event"] as? String ?? "") }
        }
        #expect(try await waitUntil(seconds: 60) { finalWebhooks().count >= Self.contacts })
        #expect(Child.exitStatus(daemon.process) == nil, "the daemon stopped: \(daemon.log.suffix(3000))")
        kill(daemon.process.processIdentifier, SIGTERM)
        #expect(await Child.waitForExit(daemon.process, seconds: 60) == 0, "\(daemon.log.suffix(3000))")

        // Every INVITE SIPp received has exactly one CDR line, and every CDR line an INVITE.
        let records = cdrs(directory)
        let invited = Set(callee.receivedInvites.compactMap { $0.header("Call-ID") })
        var linesByCallID: [String: Int] = [:]
        for record in records { linesByCallID[record["sipCallId"] as? String ?? "", default: 0] += 1 }
        #expect(invited.count == Self.contacts, "SIPp received \(invited.count) calls")
        #expect(Set(linesByCallID.keys) == invited)
        #expect(linesByCallID.values.allSatisfy { $0 == 1 }, "\(linesByCallID.filter { $0.value != 1 })")
        #expect(records.count == Self.contacts)
        #expect(Set(records.compactMap { $0["cdrId"] as? String }).count == records.count)
        #expect(Set(records.compactMap { $0["target"] as? String }).count == Self.contacts)

        // Each call's final webhook came once, and the answered ones' answered webhook once.
        let key = { (body: [String: Any]) in "\(body["conversationId"] as? String ?? "?")/\(body["attempt"] as? Int ?? 0)" }
        var finals: [String: Int] = [:], answered: [String: Int] = [:]
        for delivery in receiver.deliveries {
            switch delivery.body["event"] as? String {
            case "completed", "failed": finals[key(delivery.body), default: 0] += 1
            case "answered": answered[key(delivery.body), default: 0] += 1
            default: break
            }
        }
        #expect(Set(finals.keys) == Set(records.map(key)))
        #expect(finals.values.allSatisfy { $0 == 1 }, "\(finals.filter { $0.value != 1 })")
        let answeredCalls = Set(records.filter { !($0["connectTime"] is NSNull) && $0["connectTime"] != nil }.map(key))
        #expect(Set(answered.keys) == answeredCalls)
        #expect(answered.values.allSatisfy { $0 == 1 }, "\(answered.filter { $0.value != 1 })")
        #expect(receiver.deliveries.allSatisfy { $0.signatureValid })

        // Calls went on through the lock and ended during it (their ends kept and written after);
        // no call was started while it was held.
        #expect(records.allSatisfy { Self.milliseconds($0["startTime"]) != nil && Self.milliseconds($0["disconnectTime"]) != nil })
        let endedWhileLocked = records.filter { Self.milliseconds($0["disconnectTime"]).map { $0 > lockedAt && $0 < releasedAt } ?? false }
        let times = records.map { "\($0["startTime"] ?? "") \($0["disconnectTime"] ?? "")" }
        #expect(!endedWhileLocked.isEmpty, "no call ended while the queue was locked (\(lockedAt) to \(releasedAt)): \(times)")
        let startedWhileLocked = records.filter {
            Self.milliseconds($0["startTime"]).map { $0 > lockedAt + 200 && $0 < releasedAt - 200 } ?? false
        }
        #expect(startedWhileLocked.isEmpty, "\(startedWhileLocked.map { $0["target"] ?? "?" })")

        // The log names no secret.
        let log = daemon.log
        for secret in [Self.signingSecret, Self.hookPassword, "crm-secret-0123456789", "viewer-secret-0123456789"] {
            #expect(!log.contains(secret), "the log shows \(secret)")
        }
    }
}
