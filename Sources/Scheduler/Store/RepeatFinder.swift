import CSQLite

/// Finds repeated targets with one sorted pass in a scratch SQLite database (a temporary file with
/// a bounded page cache), so that memory does not grow with the file and no row costs a random
/// B-tree probe.
///
/// Looking each target up as it was read (a scratch B-tree of every target so far) made a file of
/// shuffled numbers 4 times slower than the same numbers in order: once the tree outgrew the cache,
/// nearly every row read a page back from disk. Sorting everything once at the end is SQLite's
/// external merge sort, which reads and writes its temporary files sequentially (BENCHMARKS.md).
///
/// Not `Sendable`: one thread uses it at a time.
final class RepeatFinder {
    /// Page cache of the scratch database, which also bounds the sorter's memory.
    static let cacheKB = 32 * 1024
    static let rowsPerInsert = 128

    /// What the sorted pass over one import found.
    struct Repeats {
        /// Targets the campaign had before this file (counted once, at their first row in the file).
        var alreadyPresent = 0
        /// Rows whose target an earlier row of the file had.
        var duplicates = 0
        /// Contacts to remove: every row of the file after the first of its target, and the first
        /// too when the campaign already had the target.
        var contactCount: Int { alreadyPresent + duplicates }
    }

    private let connection: SQLiteConnection
    private var pending: [String] = []
    private var appendStatement: SQLiteStatement?
    /// Whether `append` has begun the scratch transaction it keeps open.
    private var counting = false

    init() throws(SQLiteError) {
        connection = try SQLiteConnection(scratchWithCacheKB: Self.cacheKB)
        // Rowid tables filled in arrival order: appending costs no search.
        try connection.execute("""
            CREATE TABLE targets (target TEXT NOT NULL);
            CREATE TABLE repeated (id INTEGER NOT NULL);
            """)
    }

    // MARK: Counting (validation)

    /// Records one target read from a file (see `repeatCount()`).
    func append(_ target: String) throws(SQLiteError) {
        pending.append(target)
        guard pending.count == Self.rowsPerInsert else { return }
        try flushPending()
    }

    /// How many of the appended targets repeat an earlier one.
    func repeatCount() throws(SQLiteError) -> Int {
        try flushPending()
        var repeats = 0
        try sortedGroups("SELECT target, 1 FROM targets ORDER BY target") { _, isFirst in
            if !isFirst { repeats += 1 }
        }
        return repeats
    }

    private func flushPending() throws(SQLiteError) {
        guard !pending.isEmpty else { return }
        if !counting {
            // One transaction for the list's whole life (the scratch file is dropped with it): a
            // commit per batch would cost more than the insert.
            try connection.execute("BEGIN")
            counting = true
        }
        if pending.count == Self.rowsPerInsert {
            if appendStatement == nil {
                let values = Array(repeating: "(?)", count: Self.rowsPerInsert).joined(separator: ", ")
                appendStatement = try connection.prepare("INSERT INTO targets (target) VALUES \(values)")
            }
            if let appendStatement {
                appendStatement.reset()
                for (index, text) in pending.enumerated() { try appendStatement.bind(Int32(index + 1), text) }
                try appendStatement.run()
            }
        } else {
            let one = try connection.prepare("INSERT INTO targets (target) VALUES (?)")
            for text in pending {
                one.reset()
                try one.bind(1, text)
                try one.run()
            }
        }
        pending.removeAll(keepingCapacity: true)
    }

    // MARK: Imports

    /// Sorts the contacts of unfinished import `fileID` (ids above `lowest`) of the queue at
    /// `databasePath` together with the targets campaign `campaignKey` had before (if any), and
    /// records which contacts repeat a target: read them with `forEachRepeatedContact`.
    func findRepeats(inQueue databasePath: String, fileID: Int64, after lowest: Int64, campaignKey: Int64?) throws(SQLiteError) -> Repeats {
        precondition(!counting, "a finder either counts appended targets or finds an import's repeats")
        try connection.prepare("ATTACH DATABASE ? AS queue").bind(.text(databasePath)).run()
        // The campaign's earlier targets come with id 0, so they sort first among their equals.
        var sql = "SELECT target, id FROM queue.contacts WHERE id > ?1 AND imported_file_id = ?2"
        if campaignKey != nil {
            sql += """
                 UNION ALL SELECT target, 0 FROM queue.contacts
                WHERE campaign_key = ?3 AND (imported_file_id IS NULL OR imported_file_id != ?2)
                """
        }
        sql += " ORDER BY 1, 2"
        var repeats = Repeats()
        do {
            try connection.execute("BEGIN")
            let record = try connection.prepare("INSERT INTO repeated (id) VALUES (?)")
            // Within a target's group the campaign's rows (id 0) come first, then the file's in order.
            var campaignHas = false, rowsInFile = 0
            try sortedGroups(sql, bind: { statement throws(SQLiteError) in
                try statement.bind(1, lowest)
                try statement.bind(2, fileID)
                if let campaignKey { try statement.bind(3, campaignKey) }
            }) { id, isFirst throws(SQLiteError) in
                if isFirst { (campaignHas, rowsInFile) = (false, 0) }
                guard id != 0 else {
                    campaignHas = true
                    return
                }
                rowsInFile += 1
                switch (rowsInFile, campaignHas) {
                case (1, false): return
                case (1, true): repeats.alreadyPresent += 1
                default: repeats.duplicates += 1
                }
                record.reset()
                try record.bind(1, id)
                try record.run()
            }
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            try? connection.execute("DETACH DATABASE queue")
            throw error
        }
        try connection.execute("DETACH DATABASE queue")
        return repeats
    }

    /// Calls `body` with the ids `findRepeats` recorded, in ascending order, `count` at a time.
    func forEachRepeatedContact(_ count: Int, _ body: ([Int64]) throws -> Void) throws {
        let sorted = try connection.prepare("SELECT id FROM repeated ORDER BY id")
        defer { sorted.reset() }
        var ids: [Int64] = []
        ids.reserveCapacity(count)
        while try sorted.step() {
            ids.append(sorted.int(0))
            if ids.count == count {
                try body(ids)
                ids.removeAll(keepingCapacity: true)
            }
        }
        if !ids.isEmpty { try body(ids) }
    }

    /// Steps `sql` (target, integer), whose rows come sorted by target, and calls `body` with each
    /// row's integer and whether it is the first of its target. Targets are compared as bytes in
    /// place: no String per row.
    private func sortedGroups(
        _ sql: String, bind: (SQLiteStatement) throws(SQLiteError) -> Void = { _ in },
        _ body: (_ value: Int64, _ isFirst: Bool) throws(SQLiteError) -> Void
    ) throws(SQLiteError) {
        let statement = try connection.prepare(sql)
        defer { statement.reset() }
        try bind(statement)
        var previous: [UInt8] = []
        var started = false
        while try statement.step() {
            let length = Int(sqlite3_column_bytes(statement.handle, 0))
            let bytes = UnsafeRawBufferPointer(start: sqlite3_column_text(statement.handle, 0), count: length)
            let same = started && previous.count == length && previous.withUnsafeBytes { $0.elementsEqual(bytes) }
            if !same {
                previous.removeAll(keepingCapacity: true)
                previous.append(contentsOf: bytes)
                started = true
            }
            try body(sqlite3_column_int64(statement.handle, 1), !same)
        }
    }
}
