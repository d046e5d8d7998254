import CSQLite

/// A failed SQLite call: the result code, SQLite's own message and the SQL that was running.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    /// The extended result code, as SQLite returned it.
    public var code: Int32
    public var message: String
    public var sql: String?

    public init(code: Int32, message: String, sql: String?) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// The primary result code, to match on (`error.resultCode == .full`).
    public var resultCode: ResultCode { ResultCode(rawValue: code & 0xff) }

    /// Another connection held a lock this call needed, past the busy timeout (SQLITE_BUSY, with any
    /// extended code) or in this process's shared cache (SQLITE_LOCKED): trying again later may work.
    public var isLockHeldElsewhere: Bool { resultCode == .busy || resultCode == .locked }

    public var description: String {
        "SQLite error \(code) (\(resultCode)): \(message)" + (sql.map { " (in: \($0.prefix(120)))" } ?? "")
    }

    /// SQLite's primary result codes (https://sqlite.org/rescode.html), the ones campaignd tells apart by name.
    public struct ResultCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        public static let error = ResultCode(rawValue: SQLITE_ERROR)
        public static let busy = ResultCode(rawValue: SQLITE_BUSY)
        public static let locked = ResultCode(rawValue: SQLITE_LOCKED)
        public static let readOnly = ResultCode(rawValue: SQLITE_READONLY)
        public static let ioError = ResultCode(rawValue: SQLITE_IOERR)
        public static let corrupt = ResultCode(rawValue: SQLITE_CORRUPT)
        public static let full = ResultCode(rawValue: SQLITE_FULL)
        public static let cannotOpen = ResultCode(rawValue: SQLITE_CANTOPEN)
        public static let constraint = ResultCode(rawValue: SQLITE_CONSTRAINT)
        public static let notADatabase = ResultCode(rawValue: SQLITE_NOTADB)

        public var description: String { String(cString: sqlite3_errstr(rawValue)) }
    }
}
