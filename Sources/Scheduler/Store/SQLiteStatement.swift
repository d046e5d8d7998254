import CSQLite

/// A prepared statement; prepare once, then bind, step and reset for each use.
final class SQLiteStatement {
    private let connection: SQLiteConnection
    let handle: OpaquePointer
    let sql: String

    init(connection: SQLiteConnection, sql: String) throws(SQLiteError) {
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v3(connection.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard rc == SQLITE_OK, let statement else {
            throw SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(connection.handle)), sql: sql)
        }
        self.connection = connection
        self.handle = statement
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// Binds `values` to parameters 1…n after resetting the statement.
    @discardableResult
    func bind(_ values: SQLiteValue...) throws(SQLiteError) -> SQLiteStatement {
        try bind(values)
    }

    @discardableResult
    func bind(_ values: [SQLiteValue]) throws(SQLiteError) -> SQLiteStatement {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32
            switch value {
            case .null: rc = sqlite3_bind_null(handle, index)
            case .integer(let number): rc = sqlite3_bind_int64(handle, index, number)
            case .real(let number): rc = sqlite3_bind_double(handle, index, number)
            case .text(let text): rc = sqlite3_bind_text(handle, index, text, -1, csqlite_transient())
            }
            try connection.check(rc, sql: sql)
        }
        return self
    }

    // Allocation-free binding for hot paths: reset once, then bind each parameter (1-based).

    func reset() {
        sqlite3_reset(handle)
    }

    func bind(_ index: Int32, _ text: String?) throws(SQLiteError) {
        guard var text else {
            try connection.check(sqlite3_bind_null(handle, index), sql: sql)
            return
        }
        // With the length given SQLite needs no NUL terminator and no strlen; it copies the bytes.
        let rc = text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                // An empty buffer may have no address, and a NULL pointer would bind NULL, not "".
                guard let base = chars.baseAddress else { return sqlite3_bind_text(handle, index, "", 0, csqlite_transient()) }
                return sqlite3_bind_text(handle, index, base, Int32(chars.count), csqlite_transient())
            }
        }
        try connection.check(rc, sql: sql)
    }

    func bind(_ index: Int32, _ number: Int64) throws(SQLiteError) {
        try connection.check(sqlite3_bind_int64(handle, index, number), sql: sql)
    }

    /// Advances to the next row: true if there is one, false when done.
    func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let message = String(cString: sqlite3_errmsg(connection.handle))
            sqlite3_reset(handle)
            throw SQLiteError(code: rc, message: message, sql: sql)
        }
    }

    /// Steps to the end, for statements that return no rows.
    func run() throws(SQLiteError) {
        while try step() {}
    }

    /// How many times it was run (stepped, then reset), for tests of which queries ran.
    var timesRun: Int { Int(sqlite3_stmt_status(handle, SQLITE_STMTSTATUS_RUN, 0)) }

    func int(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }
    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    func text(_ column: Int32) -> String? {
        guard let pointer = sqlite3_column_text(handle, column) else { return nil }
        return String(cString: pointer)
    }
}

/// A value to bind to a statement parameter.
enum SQLiteValue {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    static func optional(_ text: String?) -> SQLiteValue { text.map { .text($0) } ?? .null }
    static func int(_ number: Int) -> SQLiteValue { .integer(Int64(number)) }
}
