/// Queries of the CDR writer: finished attempts in `cdr_seq` order, and how far the file has them.
extension QueueStore {
    /// Finished attempts numbered after `seq`, in order, at most `limit`.
    public func finishedAttempts(afterSeq seq: Int64, limit: Int) throws -> [CDRRecord] {
        defer { resetStatements() }
        let rows = try statement(Self.cdrColumns + " WHERE a.cdr_seq > ? ORDER BY a.cdr_seq LIMIT ?")
        try rows.bind(.integer(seq), .int(limit))
        var records: [CDRRecord] = []
        while try rows.step() { records.append(Self.cdrRecord(rows)) }
        return records
    }

    /// The highest sequence number given to a finished attempt (0 if none).
    public func lastCDRSeq() throws -> Int64 {
        defer { resetStatements() }
        let row = try statement("SELECT COALESCE(MAX(cdr_seq), 0) FROM attempts")
        return try row.step() ? row.int(0) : 0
    }

    /// The sequence number through which the CDR files are known to hold every line: kept so that
    /// files moved away by logrotate (or deleted) are not written again at the next start.
    public func cdrWrittenThrough() throws -> Int64 {
        defer { resetStatements() }
        let row = try statement("SELECT written_through FROM cdr_progress WHERE id = 1")
        return try row.step() ? row.int(0) : 0
    }

    /// Records that the CDR files hold every line through `seq` (never moves back).
    public func setCDRWrittenThrough(_ seq: Int64) throws {
        defer { resetStatements() }
        try statement("UPDATE cdr_progress SET written_through = MAX(written_through, ?) WHERE id = 1").bind(.integer(seq)).run()
    }
}
