import CSQLite

/// The targets of one contact list as it is read, kept in a scratch SQLite database (a temporary
/// file with a bounded page cache) so that finding repeats costs memory that does not grow with
/// the file. Optionally seeded with the targets a campaign already has.
///
/// Not `Sendable`: one thread uses it at a time (it may be handed to another before use).
final class TargetSeenSet {
    /// What a target read from the file is.
    enum Verdict {
        /// Not seen before: a contact to add.
        case new
        /// The campaign had it from an earlier import (counted once, at its first row in this file).
        case alreadyInCampaign
        /// An earlier row of this file had it.
        case duplicate
    }

    /// Page cache of the scratch database: what it may hold in memory before pages go to its file.
    static let cacheKB = 32 * 1024

    private let connection: SQLiteConnection
    /// Classifies against the campaign's targets too (`RETURNING` costs an ephemeral table per row).
    private let insert: SQLiteStatement
    /// Without a campaign to compare with, new or repeat is all there is to know.
    private let insertNew: SQLiteStatement
    private var seeded = false

    /// - Parameters:
    ///   - databasePath: the queue whose campaign `campaignKey` seeds the set with its targets.
    init(seedingFrom databasePath: String? = nil, campaignKey: Int64? = nil) throws(SQLiteError) {
        connection = try SQLiteConnection(scratchWithCacheKB: Self.cacheKB)
        // origin: 0 first seen in this file, 1 in the campaign and not yet in this file, 2 both.
        try connection.execute("CREATE TABLE seen (target TEXT PRIMARY KEY, origin INTEGER NOT NULL) WITHOUT ROWID")
        if let databasePath, let campaignKey {
            try connection.prepare("ATTACH DATABASE ? AS queue").bind(.text(databasePath)).run()
            try connection.prepare("INSERT OR IGNORE INTO seen (target, origin) SELECT target, 1 FROM queue.contacts WHERE campaign_key = ?")
                .bind(.integer(campaignKey)).run()
            seeded = connection.changes > 0
            try connection.execute("DETACH DATABASE queue")
        }
        // One transaction for the set's whole life (it is dropped with the file): a commit per
        // target would cost more than the insert.
        try connection.execute("BEGIN")
        insert = try connection.prepare("""
            INSERT INTO seen (target, origin) VALUES (?, 0)
            ON CONFLICT (target) DO UPDATE SET origin = 2 WHERE origin = 1
            RETURNING origin
            """)
        insertNew = try connection.prepare("INSERT OR IGNORE INTO seen (target, origin) VALUES (?, 0)")
    }

    /// Records `target` and says whether it is new, the campaign's already, or a repeat in this file.
    func insert(_ target: String) throws(SQLiteError) -> Verdict {
        guard seeded else {
            insertNew.reset()
            try insertNew.bind(1, target)
            try insertNew.run()
            return connection.changes == 1 ? .new : .duplicate
        }
        insert.reset()
        try insert.bind(1, target)
        // A row comes back only for an insert (origin 0) or the first sighting of a campaign target (2).
        guard try insert.step() else { return .duplicate }
        let origin = insert.int(0)
        while try insert.step() {}
        return origin == 0 ? .new : .alreadyInCampaign
    }
}
