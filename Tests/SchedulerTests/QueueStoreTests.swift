import Foundation
import Testing
@testable import Scheduler

private func spec(_ id: String, targets: [String], hash: String? = nil, settings: CampaignSettings = CampaignSettings()) -> CampaignSpec {
    CampaignSpec(
        id: id, sourceFile: "/tmp/\(id).csv", settings: settings,
        contacts: targets.enumerated().map { ContactSpec(target: $0.element, metadata: #"{"row":\#($0.offset)}"#, line: $0.offset + 2) },
        duplicateCount: 0, contentHash: hash ?? targets.joined())
}

private func count(_ store: QueueStore, _ sql: String) throws -> Int {
    Int(try store.connection.scalarText(sql) ?? "-1") ?? -1
}

@Suite struct QueueStoreTests {
    @Test func importsACampaignAndCountsItsContacts() throws {
        let directory = try TestDirectory()
        let store = try QueueStore(dataDirectory: directory.path + "/var")
        let result = try store.importCampaign(spec("spring", targets: ["+15551230001", "+15551230002", "sip:a@example.com"]))
        #expect(result.campaignCreated)
        #expect(result.contactsAdded == 3)
        let status = try #require(try store.campaignStatuses().first)
        #expect(status.id == "spring")
        #expect(status.state == .active)
        #expect(status.total == 3)
        #expect(status.count(.pending) == 3)
        #expect(try store.connection.scalarText("SELECT metadata FROM contacts WHERE target = '+15551230002'") == #"{"row":1}"#)
    }

    @Test func reimportingTheSameContentIsANoOp() throws {
        let directory = try TestDirectory()
        let store = try QueueStore(dataDirectory: directory.path)
        let campaign = spec("spring", targets: ["+15551230001", "+15551230002"])
        _ = try store.importCampaign(campaign)
        let again = try store.importCampaign(campaign)
        #expect(again.alreadyImportedAt != nil)
        #expect(again.contactsAdded == 0)
        #expect(try count(store, "SELECT COUNT(*) FROM contacts") == 2)
        #expect(try count(store, "SELECT COUNT(*) FROM imported_files") == 1)
    }

    @Test func changedFileAddsOnlyNewTargetsAndUpdatesSettings() throws {
        let directory = try TestDirectory()
        let store = try QueueStore(dataDirectory: directory.path)
        _ = try store.importCampaign(spec("spring", targets: ["+15551230001", "+15551230002"]))
        try store.connection.execute("UPDATE contacts SET state = 'done' WHERE target = '+15551230001'")
        var settings = CampaignSettings()
        settings.maxRetryNo = 7
        let result = try store.importCampaign(spec("spring", targets: ["+15551230001", "+15551230002", "+15551230003"], settings: settings))
        #expect(!result.campaignCreated)
        #expect(result.contactsAdded == 1)
        #expect(result.contactsAlreadyPresent == 2)
        #expect(try store.settings(of: "spring").maxRetryNo == 7)
        // A contact already dialed is not reset by the re-import.
        #expect(try store.connection.scalarText("SELECT state FROM contacts WHERE target = '+15551230001'") == "done")
        #expect(try count(store, "SELECT COUNT(*) FROM contacts") == 3)
    }

    @Test func sqliteErrorsCarryAResultCodeToMatchOn() throws {
        let directory = try TestDirectory()
        let store = try QueueStore(dataDirectory: directory.path)
        try store.connection.execute("CREATE TEMP TABLE once (value UNIQUE); INSERT INTO once VALUES (1)")
        let duplicate = #expect(throws: SQLiteError.self) { try store.connection.execute("INSERT INTO once VALUES (1)") }
        #expect(duplicate?.resultCode == .constraint)
        // The extended code says which constraint kind (SQLITE_CONSTRAINT_UNIQUE, 2067).
        #expect(duplicate?.code == 2067)
        let syntax = #expect(throws: SQLiteError.self) { try store.connection.execute("SELEC 1") }
        #expect(syntax?.resultCode == .error)
        #expect(syntax?.description.contains("SQL logic error") == true)
    }

    @Test func failureMidImportLeavesNothingBehind() throws {
        let directory = try TestDirectory()
        let store = try QueueStore(dataDirectory: directory.path)
        // Make row 9,000 of 10,000 fail inside SQLite, after 8,999 rows were inserted.
        try store.connection.execute("""
            CREATE TEMP TRIGGER fail_row BEFORE INSERT ON contacts WHEN NEW.target = '+15550008999'
            BEGIN SELECT RAISE(ABORT, 'injected failure'); END
            """)
        let targets = (0..<10_000).map { String(format: "+1555%07d", $0) }
        #expect(throws: SQLiteError.self) { try store.importCampaign(spec("big", targets: targets)) }
        #expect(try count(store, "SELECT COUNT(*) FROM campaigns") == 0)
        #expect(try count(store, "SELECT COUNT(*) FROM imported_files") == 0)
        #expect(try count(store, "SELECT COUNT(*) FROM contacts") == 0)
        // The store is still usable afterwards.
        try store.connection.execute("DROP TRIGGER fail_row")
        #expect(try store.importCampaign(spec("big", targets: targets)).contactsAdded == 10_000)
    }

    @Test func oneBadRowAmongTenThousandImportsNothing() throws {
        let directory = try TestDirectory()
        var csv = "target,name\n"
        for row in 0..<10_000 { csv += row == 7_530 ? "555-12,bad\n" : String(format: "+1555%07d,n%d\n", row, row) }
        let path = try directory.write("campaigns/big.csv", csv)
        let loader = CampaignLoader(context: CampaignValidationContext(campaignsDirectory: directory.path + "/campaigns"))
        do {
            _ = try loader.load(path: path)
            Issue.record("a file with a bad row was accepted")
        } catch {
            #expect(error.diagnostics.map(\.description) == ["big.csv:7532: target \"555-12\" is not a phone number or SIP URI"])
        }
        let store = try QueueStore(dataDirectory: directory.path + "/var")
        #expect(try store.campaignStatuses().isEmpty)
    }

    @Test func pauseResumeAndCancel() throws {
        let directory = try TestDirectory()
        let store = try QueueStore(dataDirectory: directory.path)
        _ = try store.importCampaign(spec("spring", targets: ["+15551230001", "+15551230002", "+15551230003"]))
        try store.connection.execute("UPDATE contacts SET state = 'done' WHERE target = '+15551230001'")
        try store.connection.execute("UPDATE contacts SET state = 'retry_wait' WHERE target = '+15551230002'")
        #expect(try store.apply(.pause, to: "spring") == .active)
        #expect(try store.campaignStatuses().first?.state == .paused)
        #expect(try store.apply(.resume, to: "spring") == .paused)
        #expect(try store.apply(.cancel, to: "spring") == .active)
        let status = try #require(try store.campaignStatuses().first)
        #expect(status.state == .cancelled)
        #expect(status.count(.done) == 1)
        #expect(status.count(.cancelled) == 2)
        #expect(throws: StoreError.self) { try store.apply(.resume, to: "spring") }
        #expect(throws: StoreError.self) { try store.importCampaign(spec("spring", targets: ["+15551230009"])) }
        #expect(throws: StoreError.self) { try store.apply(.pause, to: "nope") }
    }

    @Test func dncSkipsContactsAndRemovingRestoresThem() throws {
        let directory = try TestDirectory()
        let store = try QueueStore(dataDirectory: directory.path)
        #expect(try store.addToDNC(["+15551230002"], source: "test") == 1)
        #expect(try store.addToDNC(["+15551230002"], source: "test") == 0)
        let result = try store.importCampaign(spec("spring", targets: ["+15551230001", "+15551230002", "+15551230003"]))
        #expect(result.skippedDNC == 1)
        #expect(try store.campaignStatuses().first?.count(.skipped) == 1)
        try store.addToDNC(["+15551230003"], source: "test")
        #expect(try store.campaignStatuses().first?.count(.skipped) == 2)
        #expect(try store.dncEntries().map(\.target) == ["+15551230002", "+15551230003"])
        #expect(try store.removeFromDNC(["+15551230002", "+15559999999"]) == 1)
        let status = try #require(try store.campaignStatuses().first)
        #expect(status.count(.skipped) == 1)
        #expect(status.count(.pending) == 2)
    }

    @Test func reopeningKeepsDataAndDoesNotReapplyMigrations() throws {
        let directory = try TestDirectory()
        do {
            let store = try QueueStore(dataDirectory: directory.path)
            _ = try store.importCampaign(spec("spring", targets: ["+15551230001"]))
        }
        let reopened = try QueueStore(dataDirectory: directory.path)
        #expect(try reopened.campaignStatuses().first?.total == 1)
        #expect(try count(reopened, "SELECT COUNT(*) FROM schema_migrations") == Migrations.all.count)
        #expect(try reopened.connection.scalarText("PRAGMA journal_mode") == "wal")
    }
}

@Suite struct StoredSettingsTests {
    @Test func amdTuningIsStoredUnderItsNamesAndReadBack() throws {
        var settings = CampaignSettings()
        settings.amd.tuning = [.maximumGreetingMs: 2500, .beepMaximumHarmonicDb: -12.5]
        let json = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
        // Databases written before the tunables were typed hold the same object: names as keys.
        #expect(json.contains("\"tuning\":{") && json.contains("\"maximumGreetingMs\":2500"))
        let decoded = try JSONDecoder().decode(CampaignSettings.self, from: Data(json.utf8))
        #expect(decoded.amd.tuning == settings.amd.tuning)
        #expect(decoded.amd.configuration.maximumGreetingMs == 2500)
        #expect(decoded.amd.configuration.beepMaximumHarmonicDb == -12.5)
    }
}
