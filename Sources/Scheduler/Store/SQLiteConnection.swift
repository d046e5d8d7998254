import CSQLite

/// One SQLite connection. Not `Sendable`: whoever owns it uses it from one thread at a time.
///
/// Every C call is checked; a failure throws `SQLiteError` with `sqlite3_errmsg` read at once.
final class SQLiteConnection {
    let handle: OpaquePointer

    /// Opens (creating if needed) the database at `path` with WAL, foreign keys and a busy timeout.
    init(path: String) throws(SQLiteError) {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close(db) }
            throw SQLiteError(code: rc, message: "cannot open \(path): \(message)", sql: nil)
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        // SQLite's own busy handler, up to 5 s. A handler retrying every millisecond (tried, to let
        // claims in between an import's chunks sooner) cost the dial rate 2-5 % (bench/dialrate.sh at
        // 10 and 200 calls/s: 0.9785 against 1.0009 with this one, same machine, same hour).
        try setBusyTimeout(Self.busyTimeout)
        let mode = try scalarText("PRAGMA journal_mode=WAL")
        guard mode?.lowercased() == "wal" else {
            throw SQLiteError(code: SQLITE_ERROR, message: "could not switch to WAL journal mode (got \(mode ?? "nothing"))", sql: nil)
        }
        // NORMAL in WAL mode: a power loss may drop the last commits but never corrupts; the CDR file
        // is flushed separately. FULL would fsync every transaction.
        try execute("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY")
    }

    /// Opens a private scratch database in a temporary file that SQLite deletes when it is closed:
    /// no journal, no syncing, a bounded page cache (`cacheKB`); what does not fit stays on disk.
    init(scratchWithCacheKB cacheKB: Int) throws(SQLiteError) {
        var db: OpaquePointer?
        let rc = sqlite3_open_v2("", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close(db) }
            throw SQLiteError(code: rc, message: "cannot open a scratch database: \(message)", sql: nil)
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        try check(sqlite3_busy_timeout(db, 5000), sql: "busy_timeout")
        try execute("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA temp_store=FILE; PRAGMA cache_size=-\(cacheKB)")
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// How long a statement waits for another connection's lock before failing with SQLITE_BUSY.
    static let busyTimeout: Duration = .seconds(5)

    /// Sets how long SQLite's busy handler waits for a lock (rounded down to milliseconds).
    func setBusyTimeout(_ timeout: Duration) throws(SQLiteError) {
        let milliseconds = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
        try check(sqlite3_busy_timeout(handle, Int32(clamping: max(0, milliseconds))), sql: "busy_timeout")
    }

    func check(_ rc: Int32, sql: String?) throws(SQLiteError) {
        guard rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE else {
            throw SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(handle)), sql: sql)
        }
    }

    /// Runs one or more statements that return no rows.
    func execute(_ sql: String) throws(SQLiteError) {
        var error: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &error)
        guard rc == SQLITE_OK else {
            let message = error.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(error)
            throw SQLiteError(code: rc, message: message, sql: sql)
        }
    }

    func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        try SQLiteStatement(connection: self, sql: sql)
    }

    /// The first column of the first row of `sql`, as text.
    func scalarText(_ sql: String) throws(SQLiteError) -> String? {
        let statement = try prepare(sql)
        return try statement.step() ? statement.text(0) : nil
    }

    var changes: Int { Int(sqlite3_changes(handle)) }
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Runs `body` in a transaction without per-row foreign key checks, for bulk inserts whose
    /// references the same transaction created. `PRAGMA foreign_keys` cannot change inside a
    /// transaction, so it is switched off around it and back on after, whatever happens.
    func transactionWithoutForeignKeyChecks<T>(_ body: () throws -> T) throws -> T {
        try execute("PRAGMA foreign_keys=OFF")
        defer { try? execute("PRAGMA foreign_keys=ON") }
        return try transaction(body)
    }

    /// Whether a group transaction (`beginGroup`) is open: `transaction` then nests in it.
    private(set) var groupOpen = false

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction: committed if it returns, rolled back if it
    /// throws. Inside an open group it is a savepoint of the group instead: rolled back alone if it
    /// throws, committed with the group.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        if groupOpen {
            try execute("SAVEPOINT write")
            return try finishing(body, commit: "RELEASE write", rollback: "ROLLBACK TO write; RELEASE write")
        }
        try beginImmediate()
        return try finishing(body, commit: "COMMIT", rollback: "ROLLBACK")
    }

    /// Runs `body` in what was just begun: `commit` if it returns, `rollback` if it throws.
    private func finishing<T>(_ body: () throws -> T, commit: String, rollback: String) throws -> T {
        do {
            let result = try body()
            try execute(commit)
            return result
        } catch {
            try? execute(rollback)
            throw error
        }
    }

    /// Opens a transaction that several writes share until `commitGroup` (group commit).
    func beginGroup() throws(SQLiteError) {
        guard !groupOpen else { return }
        try beginImmediate()
        groupOpen = true
    }

    /// Commits the open group; on failure it is rolled back and every write in it is lost.
    func commitGroup() throws(SQLiteError) {
        guard groupOpen else { return }
        groupOpen = false
        do {
            try execute("COMMIT")
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    private func beginImmediate() throws(SQLiteError) {
        // A statement stepped and left holds a read snapshot; BEGIN IMMEDIATE would then fail with
        // SQLITE_BUSY_SNAPSHOT once another connection has written. Writers start from the newest state.
        var statement = sqlite3_next_stmt(handle, nil)
        while let current = statement {
            if sqlite3_stmt_busy(current) != 0 { sqlite3_reset(current) }
            statement = sqlite3_next_stmt(handle, current)
        }
        try execute("BEGIN IMMEDIATE")
    }
}
