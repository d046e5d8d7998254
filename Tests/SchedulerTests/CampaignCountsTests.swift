import Foundation
import Telephony
import Testing
@testable import Scheduler

/// The contact and attempt counts the store keeps per campaign (migration 11's tables and triggers,
/// read by `campaignStatuses` and `campaignCallStats`) against a count of every row, after
/// everything that adds, changes or removes contacts and attempts.
@Suite struct CampaignCountsTests {
    /// What the kept counts should say, counted from every row (the queries the store ran at each
    /// look before migration 11); and what they say. Lines of "campaign measure value count".
    func countedAndKept(_ store: QueueStore) throws -> (counted: [String], kept: [String]) {
        func lines(_ sql: String) throws -> [String] {
            let query = try store.connection.prepare(sql)
            var lines: [String] = []
            while try query.step() { lines.append(query.text(0) ?? "") }
            return lines.sorted()
        }
        let counted = try lines("""
            SELECT c.id || ' contact ' || k.state || ' ' || COUNT(*) FROM contacts k JOIN campaigns c ON c.key = k.campaign_key
            WHERE \(QueueStore.visibleContact()) GROUP BY k.campaign_key, k.state
            UNION ALL
            SELECT c.id || ' started  ' || COUNT(*) FROM attempts a JOIN campaigns c ON c.key = a.campaign_key GROUP BY a.campaign_key
            UNION ALL
            SELECT c.id || ' zone ' || a.zone_source || ' ' || COUNT(*) FROM attempts a JOIN campaigns c ON c.key = a.campaign_key
            WHERE a.zone_source IS NOT NULL GROUP BY a.campaign_key, a.zone_source
            UNION ALL
            SELECT c.id || ' finished  ' || COUNT(*) FROM attempts a JOIN campaigns c ON c.key = a.campaign_key
            WHERE a.status IS NOT NULL GROUP BY a.campaign_key
            UNION ALL
            SELECT c.id || ' answered  ' || COUNT(*) FROM attempts a JOIN campaigns c ON c.key = a.campaign_key
            WHERE a.status IS NOT NULL AND a.connect_time IS NOT NULL GROUP BY a.campaign_key
            UNION ALL
            SELECT c.id || ' amd ' || a.machine_detection || ' ' || COUNT(*) FROM attempts a JOIN campaigns c ON c.key = a.campaign_key
            WHERE a.status IS NOT NULL AND a.connect_time IS NOT NULL AND a.machine_detection IS NOT NULL
            GROUP BY a.campaign_key, a.machine_detection
            """)
        #expect(try store.connection.scalarText("SELECT COUNT(*) FROM contact_counts WHERE unfinished_file_id != 0") == "0",
                "no import is running: no counts of an unfinished one")
        let kept = try lines("""
            SELECT c.id || ' contact ' || n.state || ' ' || n.count FROM contact_counts n JOIN campaigns c ON c.key = n.campaign_key
            WHERE n.unfinished_file_id = 0 AND n.count != 0
            UNION ALL
            SELECT c.id || ' ' || n.measure || ' ' || n.value || ' ' || n.count FROM attempt_counts n JOIN campaigns c ON c.key = n.campaign_key
            WHERE n.count != 0
            """)
        return (counted, kept)
    }

    func settings(retries: Int = 0, configure: (inout CampaignSettings) -> Void = { _ in }) -> CampaignSettings {
        var settings = CampaignSettings()
        settings.dialoutLimitPerSecond = 1000
        settings.maxConcurrentCalls = 0
        settings.maxRetryNo = retries
        settings.retryIntervalSec = 3600
        settings.window.start = 0
        settings.window.end = 24 * 60
        configure(&settings)
        return settings
    }

    func spec(_ id: String, _ targets: [String], settings: CampaignSettings, hash: String? = nil) -> CampaignSpec {
        CampaignSpec(id: id, sourceFile: id + ".csv", settings: settings,
                     contacts: targets.enumerated().map { ContactSpec(target: $0.element, line: $0.offset + 2) },
                     duplicateCount: 0, contentHash: hash ?? id + targets.joined())
    }

    @Test func keptCountsMatchACountOfEveryRow() async throws {
        let directory = try TestDirectory()
        let data = directory.path + "/var"
        let store = try QueueStore(dataDirectory: data)
        store.importChunkRows = 2
        try store.addToDNC(["+15551230003"], source: "test")
        // Chunked imports with a repeat in the file, a number on the DNC list, and a changed file
        // adding to the campaign; a failed import into it, and one of a new campaign.
        let plain = settings(retries: 1)
        _ = try store.importCampaign(spec("spring", ["+15551230001", "+15551230002", "+15551230003", "+15551230002", "+15551230004"], settings: plain))
        // A number of the running import put on the DNC list between its chunks.
        var chunks = 0
        store.afterImportChunk = {
            chunks += 1
            if chunks == 2 { try store.addToDNC(["+15551230006"], source: "test") }
        }
        _ = try store.importCampaign(spec("spring", ["+15551230004", "+15551230005", "+15551230006", "+15551230007"], settings: plain))
        store.afterImportChunk = nil
        try store.connection.execute("""
            CREATE TEMP TRIGGER fail_row BEFORE INSERT ON contacts WHEN NEW.target = '+15551230099'
            BEGIN SELECT RAISE(ABORT, 'injected failure'); END
            """)
        #expect(throws: SQLiteError.self) {
            try store.importCampaign(spec("spring", ["+15551230008", "+15551230009", "+15551230099"], settings: plain))
        }
        #expect(throws: SQLiteError.self) { try store.importCampaign(spec("autumn", ["+15551230010", "+15551230099"], settings: plain)) }
        try store.connection.execute("DROP TRIGGER fail_row")
        // A call posted through the API, into a campaign made for it.
        _ = try store.insertAPICall(APICallSubmission(campaignID: "api", createWith: plain, contact: ContactSpec(target: "+15551230020", line: 1)))
        // sales: people put through (AMD verdicts, connect attempts); cancelled afterwards with a contact left.
        let connect = settings { $0.onHuman = PromptSettings(connect: ConnectSettings(target: "sip:bot@10.0.0.5:5080")) }
        _ = try store.importCampaign(spec("sales", ["+15551230030", "+15551230031"], settings: connect))
        var counts = try countedAndKept(store)
        #expect(counts.kept == counts.counted)

        try store.apply(.pause, to: "spring")
        try store.apply(.pause, to: "api")
        try await dispatchOnce(data, ConnectingDialer(abandoning: ["+15551230031"]))
        try store.apply(.resume, to: "spring")
        try store.apply(.resume, to: "api")
        _ = try store.importCampaign(spec("sales", ["+15551230032"], settings: connect))
        try store.apply(.cancel, to: "sales")
        // spring and api: busy (a retry waits), declined, answered.
        _ = try store.importCampaign(spec("cold", ["+15551230040", "+15551230041", "+15551230042"], settings: plain))
        try await dispatchOnce(data, ScriptedDialer(script: [
            "+15551230001": [ScriptedDialer.busy], "+15551230002": [ScriptedDialer.declined], "+15551230040": [ScriptedDialer.noAnswer],
        ]))
        counts = try countedAndKept(store)
        #expect(counts.kept == counts.counted)
        #expect(counts.counted.contains("spring contact retry_wait 1") && counts.counted.contains("spring contact failed 1") && counts.counted.contains("spring contact skipped 2") && counts.counted.contains("sales contact cancelled 1")
                && counts.counted.contains("sales amd amd_human_detected 2"), "the workload did what it should: \(counts.counted)")

        // A crash with two calls claimed, one INVITE sent: recovery, then the interrupted one requeued.
        let cold = try #require(try store.activeCampaigns().first { $0.id == "cold" })
        _ = try store.importCampaign(spec("cold", ["+15551230043", "+15551230044"], settings: plain))
        let claimed = try store.claimBatch(campaign: cold, trunk: nil, now: Timestamp.nowMs(), after: 0, limit: 2) { _, _, _ in .call(nil) }
        try #require(claimed.claimed.count == 2)
        try store.markInviteSent(attemptID: claimed.claimed[0].attemptID, sipCallID: "call-1")
        _ = try store.recoverUnfinishedAttempts(now: Timestamp.nowMs())
        #expect(try store.requeueInterrupted(campaignID: "cold") == 1)
        // Numbers put on and taken off the DNC list skip and restore waiting contacts.
        try store.addToDNC(["+15551230044", "+15551230007"], source: "test")
        _ = try store.removeFromDNC(["+15551230007"])
        counts = try countedAndKept(store)
        #expect(counts.kept == counts.counted)
        #expect(counts.counted.contains("cold contact skipped 1"), "\(counts.counted)")

        // A data directory from before migration 11 gets its counts from its rows.
        try store.connection.execute("""
            DROP TABLE contact_counts; DROP TABLE attempt_counts;
            DROP TRIGGER contact_counts_insert; DROP TRIGGER contact_counts_update; DROP TRIGGER contact_counts_delete;
            DROP TRIGGER attempt_counts_insert; DROP TRIGGER attempt_counts_update; DROP TRIGGER attempt_counts_delete;
            DELETE FROM schema_migrations WHERE version >= 11;
            """)
        let migrated = try QueueStore(dataDirectory: data)
        let after = try countedAndKept(migrated)
        #expect(after.kept == after.counted && after.counted == counts.counted)
    }
}
