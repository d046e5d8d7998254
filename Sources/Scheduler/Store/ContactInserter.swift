import CSQLite

/// Inserts contacts 64 rows per statement, with the text of each chunk copied once into one
/// buffer that SQLite reads in place. A statement per row spent more on statement setup and
/// on copying each bound string than on the insert itself (BENCHMARKS.md).
final class ContactInserter {
    static let rowsPerStatement = 64
    private static let columns = "(campaign_key, target, timezone, caller, metadata, source_line, imported_file_id)"
    private static let placeholders = "(?, ?, ?, ?, ?, ?, ?)"

    private let connection: SQLiteConnection
    private let chunkStatement: SQLiteStatement
    private let rowStatement: SQLiteStatement
    private let campaignKey: Int64
    private let fileID: Int64
    private var pending: [ContactSpec] = []
    /// Reused buffer holding the chunk's strings back to back.
    private var arena: [UInt8] = []
    /// (offset, length) in `arena` of each pending row's four texts; length -1 is NULL.
    private var spans: [(Int, Int)] = []

    init(connection: SQLiteConnection, campaignKey: Int64, fileID: Int64) throws(SQLiteError) {
        self.connection = connection
        self.campaignKey = campaignKey
        self.fileID = fileID
        let values = Array(repeating: Self.placeholders, count: Self.rowsPerStatement).joined(separator: ", ")
        chunkStatement = try connection.prepare("INSERT INTO contacts \(Self.columns) VALUES \(values)")
        rowStatement = try connection.prepare("INSERT INTO contacts \(Self.columns) VALUES \(Self.placeholders)")
        pending.reserveCapacity(Self.rowsPerStatement)
    }

    func add(_ contact: ContactSpec) throws(SQLiteError) {
        if let url = contact.notifyUrl {
            // Rare: a contact with its own webhook goes in alone, so its row id is known.
            try flush()
            try insert([contact], with: rowStatement)
            let webhook = try connection.prepare("INSERT OR REPLACE INTO contact_webhooks (contact_id, url) VALUES (?, ?)")
            try webhook.bind(.integer(connection.lastInsertRowID), .text(url)).run()
            return
        }
        pending.append(contact)
        if pending.count == Self.rowsPerStatement { try flush() }
    }

    /// Inserts whatever is still pending; call once after the last `add`.
    func flush() throws(SQLiteError) {
        guard !pending.isEmpty else { return }
        let statement = pending.count == Self.rowsPerStatement ? chunkStatement : rowStatement
        if statement === rowStatement {
            // The tail (fewer than a chunk) goes row by row through the same path.
            let tail = pending
            for contact in tail {
                pending = [contact]
                try insert(pending, with: rowStatement)
            }
        } else {
            try insert(pending, with: chunkStatement)
        }
        pending.removeAll(keepingCapacity: true)
    }

    private func insert(_ rows: [ContactSpec], with statement: SQLiteStatement) throws(SQLiteError) {
        // Work on locals: each access to a class's stored array is checked for exclusivity at run time.
        var arena = self.arena, spans = self.spans
        self.arena = []
        self.spans = []
        defer {
            self.arena = arena
            self.spans = spans
        }
        arena.removeAll(keepingCapacity: true)
        spans.removeAll(keepingCapacity: true)
        func append(_ text: String?) {
            guard let text else {
                spans.append((0, -1))
                return
            }
            spans.append((arena.count, text.utf8.count))
            arena.append(contentsOf: text.utf8)
        }
        for row in rows {
            append(row.target)
            append(row.timezone)
            append(row.caller)
            append(row.metadata)
        }
        let handle = statement.handle
        let campaignKey = self.campaignKey, fileID = self.fileID
        let rc: Int32 = arena.withUnsafeBufferPointer { buffer in
            sqlite3_reset(handle)
            let base = UnsafeRawPointer(buffer.baseAddress).map { $0.assumingMemoryBound(to: CChar.self) }
            for (row, contact) in rows.enumerated() {
                let first = Int32(row * 7)
                var rc = sqlite3_bind_int64(handle, first + 1, campaignKey)
                for column in 0..<4 where rc == SQLITE_OK {
                    let (offset, length) = spans[row * 4 + column]
                    if length < 0 {
                        rc = sqlite3_bind_null(handle, first + 2 + Int32(column))
                    } else if let base {
                        rc = sqlite3_bind_text(handle, first + 2 + Int32(column), base + offset, Int32(length), csqlite_static())
                    } else {
                        // An empty arena has no address; a literal "" binds an empty string, not NULL.
                        rc = sqlite3_bind_text(handle, first + 2 + Int32(column), "", 0, csqlite_static())
                    }
                }
                if rc == SQLITE_OK { rc = sqlite3_bind_int64(handle, first + 6, Int64(contact.line)) }
                if rc == SQLITE_OK { rc = sqlite3_bind_int64(handle, first + 7, fileID) }
                if rc != SQLITE_OK { return rc }
            }
            let stepped = sqlite3_step(handle)
            // Unbind before the arena's bytes can move.
            sqlite3_clear_bindings(handle)
            return stepped == SQLITE_DONE ? SQLITE_OK : stepped
        }
        if rc != SQLITE_OK {
            let message = String(cString: sqlite3_errmsg(connection.handle))
            sqlite3_reset(handle)
            throw SQLiteError(code: rc, message: message, sql: statement.sql)
        }
    }
}
