import Foundation

/// Imports in chunks: each chunk of contacts is its own transaction, so the write lock is released
/// between them, and nothing of an import is visible until its last transaction records it.
///
/// While an import runs, its `imported_files` row has an empty `sha256`: the dispatcher skips
/// contacts of such a file, and a campaign the import creates is in state `importing`, which no
/// query of the dispatcher, `status` or the campaign commands sees. The last transaction sets the
/// hash (and makes the campaign `active`). Whoever holds the import lock and finds such a row finds
/// an import abandoned by a crash, and removes it.
extension QueueStore {
    /// The SQL condition a contact must meet to be visible: not part of an unfinished import.
    /// With `campaignKeySQL` (a parameter such as `?2`) only that campaign's files are looked up
    /// (by index, for the claim); without, every unfinished file, found once per statement.
    static func visibleContact(campaignKeySQL: String? = nil) -> String {
        let campaign = campaignKeySQL.map { "campaign_key = \($0) AND " } ?? ""
        return "(imported_file_id IS NULL OR imported_file_id NOT IN (SELECT id FROM imported_files WHERE \(campaign)sha256 = ''))"
    }

    /// Runs `body` holding the import lock (waiting for another import to finish), after removing
    /// imports abandoned by a crash.
    func withImportLock<T>(_ body: () throws -> T) throws -> T {
        guard let lock = try ImportLock(dataDirectory: (path as NSString).deletingLastPathComponent, wait: true) else {
            preconditionFailure("a waiting lock returns only once it is held")
        }
        return try withExtendedLifetime(lock) {
            _ = try discardAbandonedImports()
            return try body()
        }
    }

    /// Removes what imports interrupted by a crash left (contacts nobody can dial, and a campaign
    /// that was being created), unless an import is running now; returns how many were removed.
    public func removeAbandonedImports() throws -> Int {
        guard let lock = try ImportLock(dataDirectory: (path as NSString).deletingLastPathComponent, wait: false) else { return 0 }
        return try withExtendedLifetime(lock) { try discardAbandonedImports() }
    }

    /// Needs the import lock.
    private func discardAbandonedImports() throws -> Int {
        let unfinished = try connection.prepare("SELECT id, campaign_key FROM imported_files WHERE sha256 = ''")
        var files: [(Int64, Int64)] = []
        while try unfinished.step() { files.append((unfinished.int(0), unfinished.int(1))) }
        unfinished.reset()
        for (file, campaign) in files { try discardImport(fileID: file, campaignKey: campaign, after: 0) }
        try connection.transaction {
            try connection.execute("""
                DELETE FROM campaigns WHERE state = \(CampaignState.importing.sql) AND key NOT IN (SELECT campaign_key FROM imported_files)
                """)
        }
        return files.count
    }

    /// The key of campaign `id`, if it exists.
    func campaignKey(of id: String) throws -> Int64? {
        let lookup = try connection.prepare("SELECT key FROM campaigns WHERE id = ?")
        defer { lookup.reset() }
        return try lookup.bind(.text(id)).step() ? lookup.int(0) : nil
    }

    /// When campaign `id` imported content with SHA-256 `contentHash`, if it did.
    public func importedAt(campaignID id: String, contentHash: String) throws -> String? {
        let seen = try connection.prepare("""
            SELECT imported_at FROM imported_files WHERE sha256 = ? AND campaign_key = (SELECT key FROM campaigns WHERE id = ?)
            """)
        defer { seen.reset() }
        return try seen.bind(.text(contentHash), .text(id)).step() ? seen.text(0) : nil
    }

    /// Thrown inside an import to undo it when the content was imported before.
    private struct AlreadyImported: Error {
        var at: String
    }

    /// Inserts every contact of a file in chunks, then removes the rows whose target repeats an
    /// earlier row or one the campaign had (found in one sorted pass, `RepeatFinder`), skips those on
    /// the DNC list, and records the import; needs the import lock. `betweenChunks` runs whenever no
    /// transaction of this import is open (another import may run in it: see `CampaignImporter`).
    func importNewContacts(
        _ header: CampaignHeader, contacts nextBatch: () throws -> [ContactSpec]?, fingerprint: () throws -> String,
        betweenChunks: () throws -> Void = {}
    ) throws -> ImportResult {
        let nowText = Timestamp.iso8601(Timestamp.nowMs())
        let settingsJSON = try Self.encode(header.settings)
        var result = ImportResult(campaignID: header.id)
        let (campaignKey, fileID, lowestID) = try connection.transaction {
            let existing = try connection.prepare("SELECT key, state FROM campaigns WHERE id = ?")
            let campaignKey: Int64
            if try existing.bind(.text(header.id)).step() {
                if existing.text(1) == CampaignState.cancelled.rawValue { throw StoreError.campaignCancelled(header.id) }
                campaignKey = existing.int(0)
            } else {
                result.campaignCreated = true
                try connection.prepare("""
                    INSERT INTO campaigns (id, name, state, settings, source_file, created_at, updated_at)
                    VALUES (?, ?, \(CampaignState.importing.sql), ?, ?, ?, ?)
                    """)
                    .bind(.text(header.id), .optional(header.settings.name), .text(settingsJSON), .text(header.sourceFile),
                          .text(nowText), .text(nowText))
                    .run()
                campaignKey = connection.lastInsertRowID
            }
            existing.reset()
            try connection.prepare("""
                INSERT INTO imported_files (campaign_key, path, sha256, contacts_added, imported_at) VALUES (?, ?, '', 0, ?)
                """)
                .bind(.integer(campaignKey), .text(header.sourceFile), .text(nowText))
                .run()
            let fileID = connection.lastInsertRowID
            // Contact ids only grow: this import's contacts are all above the largest now.
            let lowest = Int64(try connection.scalarText("SELECT COALESCE(MAX(id), 0) FROM contacts") ?? "0") ?? 0
            return (campaignKey, fileID, lowest)
        }
        do {
            let inserted = try insertChunks(contacts: nextBatch, campaignKey: campaignKey, fileID: fileID, betweenChunks: betweenChunks)
            let repeats = try removeRepeats(fileID: fileID, after: lowestID, campaignKey: result.campaignCreated ? nil : campaignKey,
                                            betweenChunks: betweenChunks)
            result.contactsAdded = inserted - repeats.contactCount
            result.contactsAlreadyPresent = repeats.alreadyPresent
            result.duplicatesInFile = repeats.duplicates
            result.skippedDNC = try skipDNC(fileID: fileID, after: lowestID, betweenChunks: betweenChunks)
            let contentHash = try fingerprint()
            try connection.transaction {
                let campaign = try connection.prepare("SELECT state FROM campaigns WHERE key = ?")
                if try campaign.bind(.integer(campaignKey)).step(), campaign.text(0) == CampaignState.cancelled.rawValue {
                    throw StoreError.campaignCancelled(header.id)
                }
                campaign.reset()
                let seen = try connection.prepare("SELECT imported_at FROM imported_files WHERE campaign_key = ? AND sha256 = ?")
                if try seen.bind(.integer(campaignKey), .text(contentHash)).step() {
                    throw AlreadyImported(at: seen.text(0) ?? "")
                }
                seen.reset()
                if result.campaignCreated {
                    try connection.prepare("UPDATE campaigns SET state = \(CampaignState.active.sql) WHERE key = ?")
                        .bind(.integer(campaignKey)).run()
                } else {
                    try connection.prepare("UPDATE campaigns SET name = ?, settings = ?, source_file = ?, updated_at = ? WHERE key = ?")
                        .bind(.optional(header.settings.name), .text(settingsJSON), .text(header.sourceFile), .text(nowText),
                              .integer(campaignKey))
                        .run()
                }
                // The contacts become visible: their counts join the campaign's (migration 11), as
                // contacts that entered their states (migration 12).
                try connection.prepare("""
                    INSERT INTO contact_counts (campaign_key, unfinished_file_id, state, count, entered)
                    SELECT campaign_key, 0, state, count, count FROM contact_counts WHERE unfinished_file_id = ?
                    ON CONFLICT DO UPDATE SET count = count + excluded.count, entered = entered + excluded.count
                    """).bind(.integer(fileID)).run()
                try connection.prepare("DELETE FROM contact_counts WHERE unfinished_file_id = ?").bind(.integer(fileID)).run()
                try connection.prepare("UPDATE imported_files SET sha256 = ?, contacts_added = ? WHERE id = ?")
                    .bind(.text(contentHash), .int(result.contactsAdded), .integer(fileID)).run()
            }
            return result
        } catch {
            try discardImport(fileID: fileID, campaignKey: campaignKey, after: lowestID)
            if let seen = error as? AlreadyImported {
                var result = ImportResult(campaignID: header.id)
                result.alreadyImportedAt = seen.at
                return result
            }
            throw error
        }
    }

    /// Inserts the contacts `importChunkRows` to a transaction and returns how many; a chunk is
    /// gathered before its transaction begins, so the lock is held only while rows are written.
    private func insertChunks(
        contacts nextBatch: () throws -> [ContactSpec]?, campaignKey: Int64, fileID: Int64, betweenChunks: () throws -> Void
    ) throws -> Int {
        let inserter = try ContactInserter(connection: connection, campaignKey: campaignKey, fileID: fileID)
        // Every row goes in pending; counted a chunk at a time under the unfinished file (migration 11).
        let counted = try connection.prepare("""
            INSERT INTO contact_counts (campaign_key, unfinished_file_id, state, count) VALUES (?, ?, \(ContactState.pending.sql), ?)
            ON CONFLICT DO UPDATE SET count = count + excluded.count
            """)
        var chunk: [ContactSpec] = []
        var carry: ArraySlice<ContactSpec> = []
        var exhausted = false
        var inserted = 0
        while true {
            chunk.removeAll(keepingCapacity: true)
            while chunk.count < importChunkRows {
                if carry.isEmpty {
                    guard !exhausted, let batch = try nextBatch() else {
                        exhausted = true
                        break
                    }
                    carry = batch[...]
                }
                let take = min(carry.count, importChunkRows - chunk.count)
                chunk.append(contentsOf: carry.prefix(take))
                carry = carry.dropFirst(take)
            }
            if chunk.isEmpty { break }
            // The contacts reference the campaign and imported-file rows committed before; checking
            // that for each of a million rows would cost more than inserting them.
            try writeTurn.importChunk {
                try connection.transactionWithoutForeignKeyChecks {
                    for contact in chunk { try inserter.add(contact) }
                    try inserter.flush()
                    try counted.bind(.integer(campaignKey), .integer(fileID), .int(chunk.count)).run()
                }
            }
            inserted += chunk.count
            try afterImportChunk?()
            try betweenChunks()
            // Leave a writer of another process waiting for the lock a gap before the next chunk
            // takes it again (this process's queue writer goes first anyway: WriteTurn).
            usleep(2000)
        }
        return inserted
    }

    /// Removes the contacts of import `fileID` whose target an earlier row of the file or the
    /// campaign (`campaignKey`, nil for a campaign this import creates) already had, a chunk per
    /// transaction, in id order.
    private func removeRepeats(fileID: Int64, after lowest: Int64, campaignKey: Int64?,
                               betweenChunks: () throws -> Void) throws -> RepeatFinder.Repeats {
        let finder = try RepeatFinder()
        let repeats = try finder.findRepeats(inQueue: path, fileID: fileID, after: lowest, campaignKey: campaignKey)
        guard repeats.contactCount > 0 else { return repeats }
        let webhook = try connection.prepare("DELETE FROM contact_webhooks WHERE contact_id = ?")
        let contact = try connection.prepare("DELETE FROM contacts WHERE id = ? AND imported_file_id = ?")
        try finder.forEachRepeatedContact(importChunkRows) { ids in
            try writeTurn.importChunk { try connection.transaction {
                for id in ids {
                    webhook.reset()
                    try webhook.bind(1, id)
                    try webhook.run()
                    contact.reset()
                    try contact.bind(1, id)
                    try contact.bind(2, fileID)
                    try contact.run()
                }
            } }
            try afterImportChunk?()
            try betweenChunks()
        }
        return repeats
    }

    /// Skips the contacts of import `fileID` whose target is on the DNC list, a chunk of ids per
    /// transaction; returns how many.
    private func skipDNC(fileID: Int64, after lowest: Int64, betweenChunks: () throws -> Void) throws -> Int {
        guard try connection.scalarText("SELECT EXISTS (SELECT 1 FROM dnc)") == "1" else { return 0 }
        let range = try connection.prepare("SELECT MAX(id) FROM contacts WHERE id > ? AND imported_file_id = ?")
        guard try range.bind(.integer(lowest), .integer(fileID)).step(), !range.isNull(0) else { return 0 }
        let last = range.int(0)
        range.reset()
        let skip = try connection.prepare("""
            UPDATE contacts SET state = \(ContactState.skipped.sql), skip_reason = 'dnc'
            WHERE id > ? AND id <= ? AND imported_file_id = ? AND state = \(ContactState.pending.sql) AND target IN (SELECT target FROM dnc)
            """)
        var skipped = 0
        var low = lowest
        while low < last {
            let high = min(low + Int64(importChunkRows), last)
            try writeTurn.importChunk {
                try connection.transaction {
                    try skip.bind(.integer(low), .integer(high), .integer(fileID)).run()
                    skipped += connection.changes
                }
            }
            low = high
            try betweenChunks()
        }
        return skipped
    }

    /// Removes the contacts of unfinished import `fileID` (all with ids above `lowest`), a chunk per
    /// transaction, then the file's row, and the campaign if the import was creating it.
    func discardImport(fileID: Int64, campaignKey: Int64, after lowest: Int64) throws {
        let range = try connection.prepare("SELECT MIN(id), MAX(id) FROM contacts WHERE id > ? AND imported_file_id = ?")
        guard try range.bind(.integer(lowest), .integer(fileID)).step() else { return }
        let (first, last) = range.isNull(0) ? (Int64(1), Int64(0)) : (range.int(0), range.int(1))
        range.reset()
        var low = first - 1
        while low < last {
            let high = min(low + Int64(importChunkRows), last)
            try writeTurn.importChunk { try connection.transaction {
                try connection.prepare("""
                    DELETE FROM contact_webhooks WHERE contact_id > ?1 AND contact_id <= ?2
                    AND contact_id IN (SELECT id FROM contacts WHERE id > ?1 AND id <= ?2 AND imported_file_id = ?3)
                    """).bind(.integer(low), .integer(high), .integer(fileID)).run()
                try connection.prepare("DELETE FROM contacts WHERE id > ? AND id <= ? AND imported_file_id = ?")
                    .bind(.integer(low), .integer(high), .integer(fileID)).run()
            } }
            low = high
        }
        try connection.transaction {
            try connection.prepare("DELETE FROM contact_counts WHERE unfinished_file_id = ?").bind(.integer(fileID)).run()
            try connection.prepare("DELETE FROM imported_files WHERE id = ?").bind(.integer(fileID)).run()
            try connection.prepare("""
                DELETE FROM campaigns WHERE key = ? AND state = \(CampaignState.importing.sql)
                AND key NOT IN (SELECT campaign_key FROM imported_files)
                """).bind(.integer(campaignKey)).run()
        }
    }
}
