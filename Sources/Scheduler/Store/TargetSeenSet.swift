import CSQLite

/// The targets of one contact list as it is read, kept in a scratch SQLite database (a temporary
/// file with a bounded page cache) so that finding repeats costs memory that does not grow with
/// the file. Optionally seeded with the targets a campaign already has.
///
/// A Bloom filter of fixed size answers "certainly not seen" for almost every new target, which
/// then goes into the database in batches; only the rest (repeats, and the filter's rare false
/// alarms) are looked up one by one. A statement per row cost several times the parsing.
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
    /// The filter's size: 2^28 bits (32 MB), under 1 % false alarms up to about 25 million targets.
    static let filterBits = 1 << 28
    static let rowsPerInsert = 128

    private let connection: SQLiteConnection
    private let lookup: SQLiteStatement
    private let markSeen: SQLiteStatement
    private let batchInsert: SQLiteStatement
    /// 64-bit words; each target sets 4 bits within one 512-bit block (one cache line).
    private var filter: [UInt64]
    /// New targets not yet written to the database (searched only when the filter is unsure).
    private var pending: [String] = []

    /// - Parameters:
    ///   - databasePath: the queue whose campaign `campaignKey` seeds the set with its targets.
    init(seedingFrom databasePath: String? = nil, campaignKey: Int64? = nil) throws(SQLiteError) {
        connection = try SQLiteConnection(scratchWithCacheKB: Self.cacheKB)
        filter = [UInt64](repeating: 0, count: Self.filterBits / 64)
        // origin: 0 first seen in this file, 1 in the campaign and not yet in this file, 2 both.
        try connection.execute("CREATE TABLE seen (target TEXT PRIMARY KEY, origin INTEGER NOT NULL) WITHOUT ROWID")
        if let databasePath, let campaignKey {
            try connection.prepare("ATTACH DATABASE ? AS queue").bind(.text(databasePath)).run()
            try connection.prepare("INSERT OR IGNORE INTO seen (target, origin) SELECT target, 1 FROM queue.contacts WHERE campaign_key = ?")
                .bind(.integer(campaignKey)).run()
            try connection.execute("DETACH DATABASE queue")
        }
        lookup = try connection.prepare("SELECT origin FROM seen WHERE target = ?")
        markSeen = try connection.prepare("UPDATE seen SET origin = 2 WHERE target = ?")
        let values = Array(repeating: "(?, 0)", count: Self.rowsPerInsert).joined(separator: ", ")
        batchInsert = try connection.prepare("INSERT INTO seen (target, origin) VALUES \(values)")
        pending.reserveCapacity(Self.rowsPerInsert)
        let all = try connection.prepare("SELECT target FROM seen")
        while try all.step() { addToFilter(all.text(0) ?? "") }
        all.reset()
        // One transaction for the set's whole life (it is dropped with the file): a commit per
        // target would cost more than the insert.
        try connection.execute("BEGIN")
    }

    /// Records `target` and says whether it is new, the campaign's already, or a repeat in this file.
    func insert(_ target: String) throws(SQLiteError) -> Verdict {
        let (block, bits) = Self.position(of: target)
        if !filterHas(block, bits) {
            setFilter(block, bits)
            try addPending(target)
            return .new
        }
        if pending.contains(target) { return .duplicate }
        lookup.reset()
        try lookup.bind(1, target)
        guard try lookup.step() else {
            lookup.reset()
            try addPending(target)
            return .new
        }
        let origin = lookup.int(0)
        lookup.reset()
        guard origin == 1 else { return .duplicate }
        markSeen.reset()
        try markSeen.bind(1, target)
        try markSeen.run()
        return .alreadyInCampaign
    }

    private func addPending(_ target: String) throws(SQLiteError) {
        pending.append(target)
        guard pending.count == Self.rowsPerInsert else { return }
        batchInsert.reset()
        for (index, text) in pending.enumerated() { try batchInsert.bind(Int32(index + 1), text) }
        try batchInsert.run()
        pending.removeAll(keepingCapacity: true)
    }

    private func addToFilter(_ target: String) {
        let (block, bits) = Self.position(of: target)
        setFilter(block, bits)
    }

    /// The 512-bit block of `target` and its 4 bits there (as 8 words of masks, mostly zero).
    private static func position(of target: String) -> (Int, SIMD8<UInt64>) {
        // FNV-1a, 64 bits: the same on every run (Swift's Hasher is seeded per process, which would do too).
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in target.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        hash ^= hash >> 29
        hash &*= 0xbf58_476d_1ce4_e5b9
        hash ^= hash >> 32
        let blocks = UInt64(filterBits / 512)
        let block = Int(hash % blocks)
        var bits = SIMD8<UInt64>(repeating: 0)
        var rest = hash / blocks
        for _ in 0..<4 {
            let bit = Int(rest & 511)
            rest = (rest >> 9) | (rest << 55)
            bits[bit >> 6] |= 1 << UInt64(bit & 63)
        }
        return (block, bits)
    }

    private func filterHas(_ block: Int, _ bits: SIMD8<UInt64>) -> Bool {
        filter.withUnsafeBufferPointer { words in
            for word in 0..<8 where words[block * 8 + word] & bits[word] != bits[word] { return false }
            return true
        }
    }

    private func setFilter(_ block: Int, _ bits: SIMD8<UInt64>) {
        filter.withUnsafeMutableBufferPointer { words in
            for word in 0..<8 { words[block * 8 + word] |= bits[word] }
        }
    }
}
