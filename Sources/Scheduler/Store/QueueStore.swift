import Foundation

/// The durable campaign queue: one SQLite database (`campaignd.db`) in the data directory.
///
/// Not `Sendable`: one owner uses it from one thread at a time (the CLI's main thread now; the
/// daemon's writer actor later).
public final class QueueStore {
    let connection: SQLiteConnection
    public let path: String
    /// Statements of the hot paths (claiming, finishing, CDRs), prepared once and reused.
    private var statements: [String: SQLiteStatement] = [:]
    /// Contacts committed per transaction of an import: a claim waits at most for one chunk.
    var importChunkRows = 20_000
    /// Called after each chunk of an import is committed (tests: a crash or a claim between chunks).
    var afterImportChunk: (() throws -> Void)?
    /// Orders the queue writer's transactions and import chunks on this file within the process.
    let writeTurn: WriteTurn
    /// Campaigns none of whose pending contacts was due at their last claim, by key: when the
    /// earliest falls due, while the same contacts are pending (`QueueStore+Dispatch`). Kept only for
    /// committed claims: a group that fails to commit forgets them all.
    var deferredPending: [Int64: DeferredPending] = [:]

    /// Resets every cached statement. A stepped statement left as it is keeps its read snapshot,
    /// and the next BEGIN IMMEDIATE on this connection would fail with SQLITE_BUSY_SNAPSHOT once
    /// another connection has written.
    func resetStatements() {
        for statement in statements.values { statement.reset() }
    }

    /// Opens a transaction that the following writes share until `commitGroup()` (see `QueueWriter`).
    func beginGroup() throws(SQLiteError) {
        resetStatements()
        try connection.beginGroup()
    }

    func commitGroup() throws(SQLiteError) {
        resetStatements()
        do {
            try connection.commitGroup()
        } catch {
            // Deferrals the group made are lost with it: contacts they moved on may be due again.
            deferredPending.removeAll()
            throw error
        }
    }

    /// How long the next statement waits for another connection's lock (`SQLiteConnection.busyTimeout` by default).
    func setBusyTimeout(_ timeout: Duration) throws(SQLiteError) {
        try connection.setBusyTimeout(timeout)
    }

    /// Runs `body` atomically: a transaction, or a savepoint inside an open group.
    func inTransaction<T>(_ body: () throws -> T) throws -> T {
        try connection.transaction(body)
    }

    /// The prepared statement for `sql`, from the cache.
    func statement(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let cached = statements[sql] { return cached }
        let prepared = try connection.prepare(sql)
        statements[sql] = prepared
        return prepared
    }

    /// How many times the cached statement `sql` ran (0 if it never was prepared): for tests.
    func timesRun(_ sql: String) -> Int {
        statements[sql]?.timesRun ?? 0
    }

    /// Opens the store in `dataDirectory`, creating the directory and database and migrating the schema.
    public init(dataDirectory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw StoreError.cannotCreateDataDirectory(dataDirectory, (error as NSError).localizedDescription)
        }
        path = dataDirectory + "/campaignd.db"
        writeTurn = WriteTurn.of(databaseAt: path)
        connection = try SQLiteConnection(path: path)
        try Migrations.migrate(connection)
    }

    // MARK: Import

    /// Imports `spec`: all of it or nothing (see `importCampaign(_:contacts:fingerprint:)`).
    ///
    /// The same content imported again (same campaign id and SHA-256) changes nothing. A changed
    /// file for an existing campaign updates its settings and adds only targets it does not have.
    public func importCampaign(_ spec: CampaignSpec) throws -> ImportResult {
        var delivered = false
        var result = try importCampaign(spec.header, contacts: {
            defer { delivered = true }
            return delivered ? nil : spec.contacts
        }, fingerprint: { spec.contentHash })
        result.duplicatesInFile += spec.duplicateCount
        return result
    }

    /// Imports a campaign whose contacts arrive in batches: all of them or nothing.
    ///
    /// The contacts are committed in chunks of `importChunkRows`, so the write lock is free between
    /// chunks for claims and other writers; they stay invisible to the dispatcher (and the campaign
    /// too, if this import creates it) until the last chunk is in and the import is recorded. If
    /// `nextBatch` throws (say, because the file turned out to be invalid) or anything else fails,
    /// what was inserted is removed and the error rethrown; after a crash, the next import or
    /// `removeAbandonedImports()` removes it. Targets the campaign already has, and repeats within
    /// the stream, are skipped and counted (found by sorting in a scratch database, not in memory).
    /// `fingerprint` (the file's SHA-256) is asked for after the last batch, so it can be computed
    /// while rows are inserted; if the campaign already imported that content, the rows are removed
    /// and the result says when it was imported.
    public func importCampaign(
        _ header: CampaignHeader, contacts nextBatch: () throws -> [ContactSpec]?, fingerprint: () throws -> String
    ) throws -> ImportResult {
        try withImportLock { try importNewContacts(header, contacts: nextBatch, fingerprint: fingerprint) }
    }

    static func encode(_ settings: CampaignSettings) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(settings), as: UTF8.self)
    }

    /// The stored settings of campaign `id`.
    public func settings(of id: String) throws -> CampaignSettings {
        let statement = try connection.prepare("SELECT settings FROM campaigns WHERE id = ?")
        guard try statement.bind(.text(id)).step(), let json = statement.text(0) else { throw StoreError.campaignNotFound(id) }
        return try JSONDecoder().decode(CampaignSettings.self, from: Data(json.utf8))
    }

    // MARK: Status

    /// Contact counts by state for every campaign, oldest campaign first. Reads the counts the
    /// store keeps (migration 11), not every contact.
    public func campaignStatuses() throws -> [CampaignStatus] {
        var statuses: [CampaignStatus] = []
        var indexByKey: [Int64: Int] = [:]
        let campaigns = try connection.prepare("SELECT key, id, name, state FROM campaigns WHERE state != \(CampaignState.importing.sql) ORDER BY key")
        while try campaigns.step() {
            indexByKey[campaigns.int(0)] = statuses.count
            statuses.append(CampaignStatus(
                id: campaigns.text(1) ?? "", name: campaigns.text(2),
                state: CampaignState(rawValue: campaigns.text(3) ?? "") ?? .active))
        }
        let counts = try connection.prepare("SELECT campaign_key, state, count FROM contact_counts WHERE unfinished_file_id = 0 AND count != 0")
        while try counts.step() {
            guard let index = indexByKey[counts.int(0)], let state = ContactState(rawValue: counts.text(1) ?? "") else { continue }
            statuses[index].counts[state] = Int(counts.int(2))
        }
        let sources = try connection.prepare("""
            SELECT campaign_key, value, count FROM attempt_counts WHERE measure = \(AttemptMeasure.zone.sql) AND count != 0
            """)
        while try sources.step() {
            guard let index = indexByKey[sources.int(0)], let source = ZoneSource(rawValue: sources.text(1) ?? "") else { continue }
            statuses[index].attemptsByZoneSource[source] = Int(sources.int(2))
        }
        return statuses
    }

    /// Attempts per campaign id that ended after `since` (Unix ms), for rates.
    public func attemptsEnded(since: Int64) throws -> [String: Int] {
        let query = try connection.prepare("""
            SELECT c.id, COUNT(*) FROM attempts a JOIN campaigns c ON c.key = a.campaign_key
            WHERE a.disconnect_time >= ? GROUP BY a.campaign_key
            """)
        try query.bind(.integer(since))
        var counts: [String: Int] = [:]
        while try query.step() { counts[query.text(0) ?? ""] = Int(query.int(1)) }
        return counts
    }

    // MARK: Campaign control

    /// Pauses, resumes or cancels campaign `id`; returns the state it had before.
    ///
    /// Cancelling also cancels every contact still waiting to be dialed (pending or retry_wait);
    /// calls in progress finish.
    @discardableResult
    public func apply(_ command: CampaignCommand, to id: String) throws -> CampaignState {
        try connection.transaction {
            let lookup = try connection.prepare("SELECT state FROM campaigns WHERE id = ? AND state != \(CampaignState.importing.sql)")
            guard try lookup.bind(.text(id)).step(), let current = CampaignState(rawValue: lookup.text(0) ?? "") else {
                throw StoreError.campaignNotFound(id)
            }
            let target: CampaignState
            switch (command, current) {
            case (_, .cancelled): throw StoreError.campaignCancelled(id)
            case (.pause, _): target = .paused
            case (.resume, _): target = .active
            case (.cancel, _): target = .cancelled
            }
            try connection.prepare("UPDATE campaigns SET state = ?, updated_at = ? WHERE id = ?")
                .bind(.text(target.rawValue), .text(Timestamp.iso8601(Timestamp.nowMs())), .text(id)).run()
            if target == .cancelled {
                try connection.prepare("""
                    UPDATE contacts SET state = \(ContactState.cancelled.sql)
                    WHERE campaign_key = (SELECT key FROM campaigns WHERE id = ?) AND state IN \(ContactState.sqlList(.pending, .retryWait))
                    """)
                    .bind(.text(id)).run()
            }
            return current
        }
    }

    // MARK: Do-not-call list

    /// Adds normalised `targets` to the DNC list; returns how many were new. Waiting contacts with
    /// those targets are skipped at once.
    @discardableResult
    public func addToDNC(_ targets: [String], source: String) throws -> Int {
        try connection.transaction { try insertIntoDNC(targets, source: source, at: Timestamp.nowMs()) }
    }

    /// `addToDNC` inside a transaction the caller holds (an opt-out is recorded with its attempt).
    func insertIntoDNC(_ targets: [String], source: String, at time: Int64) throws -> Int {
        let insert = try connection.prepare("INSERT OR IGNORE INTO dnc (target, source, added_at) VALUES (?, ?, ?)")
        let addedAt = Timestamp.iso8601(time)
        var added = 0
        for target in targets {
            try insert.bind(.text(target), .text(source), .text(addedAt)).run()
            added += connection.changes
        }
        // One pass over the contacts for the whole list (contacts have no index on target).
        try connection.execute("""
            UPDATE contacts SET state = \(ContactState.skipped.sql), skip_reason = 'dnc'
            WHERE state IN \(ContactState.sqlList(.pending, .retryWait)) AND target IN (SELECT target FROM dnc)
            """)
        return added
    }

    /// Removes `targets` from the DNC list; contacts skipped only because of it wait to be dialed again
    /// (unless their campaign was cancelled). Returns how many were on the list.
    @discardableResult
    public func removeFromDNC(_ targets: [String]) throws -> Int {
        try connection.transaction {
            let delete = try connection.prepare("DELETE FROM dnc WHERE target = ?")
            var removed = 0
            for target in targets {
                try delete.bind(.text(target)).run()
                removed += connection.changes
            }
            try connection.execute("""
                UPDATE contacts SET state = \(ContactState.pending.sql), skip_reason = NULL
                WHERE state = \(ContactState.skipped.sql) AND skip_reason = 'dnc' AND target NOT IN (SELECT target FROM dnc)
                  AND campaign_key IN (SELECT key FROM campaigns WHERE state != \(CampaignState.cancelled.sql))
                """)
            return removed
        }
    }

    public func dncEntries() throws -> [DNCEntry] {
        let query = try connection.prepare("SELECT target, source, added_at FROM dnc ORDER BY target")
        var entries: [DNCEntry] = []
        while try query.step() {
            entries.append(DNCEntry(target: query.text(0) ?? "", source: query.text(1) ?? "", addedAt: query.text(2) ?? ""))
        }
        return entries
    }
}
