import Foundation

/// Queries of the HTTP API: calls posted one at a time (through `QueueWriter`'s group commit) and
/// read back, and the idempotency record of POSTs.
extension QueueStore {
    /// Runs `body` unless `claim`'s key was used within 24 h; records the response of a success.
    /// Inside the caller's transaction, so the record commits with what `body` wrote.
    public func idempotent<Value>(_ claim: IdempotencyClaim?, now: Int64,
                                  _ body: () throws -> (Value, status: Int, body: String)) throws -> IdempotentOutcome<Value> {
        defer { resetStatements() }
        if let claim {
            let seen = try statement("""
                SELECT request_hash, status, body FROM api_requests WHERE api_key = ? AND idempotency_key = ? AND created_at > ?
                """)
            if try seen.bind(.text(claim.apiKey), .text(claim.key), .integer(now - IdempotencyClaim.lifetimeMs)).step() {
                guard seen.text(0) == claim.requestHash else { return .keyReused }
                return .replayed(status: Int(seen.int(1)), body: seen.text(2) ?? "")
            }
            seen.reset()
        }
        let (value, status, text) = try body()
        if let claim, (200..<300).contains(status) {
            try statement("""
                INSERT OR REPLACE INTO api_requests (api_key, idempotency_key, request_hash, status, body, created_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """)
                .bind(.text(claim.apiKey), .text(claim.key), .text(claim.requestHash), .int(status), .text(text), .integer(now))
                .run()
        }
        return .done(value, status: status, body: text)
    }

    /// Forgets idempotency keys older than their lifetime.
    public func purgeIdempotencyKeys(now: Int64) throws {
        try connection.prepare("DELETE FROM api_requests WHERE created_at <= ?").bind(.integer(now - IdempotencyClaim.lifetimeMs)).run()
    }

    /// Queues one call (a pending contact); returns its id and conversation id. The caller holds
    /// the transaction.
    public func insertAPICall(_ call: APICallSubmission) throws -> (id: Int64, conversationID: String) {
        defer { resetStatements() }
        let lookup = try statement("SELECT key, state FROM campaigns WHERE id = ?")
        let campaignKey: Int64
        if try lookup.bind(.text(call.campaignID)).step() {
            if lookup.text(1) == CampaignState.cancelled.rawValue { throw APIStoreError.campaignCancelled(call.campaignID) }
            campaignKey = lookup.int(0)
        } else if let settings = call.createWith {
            try createAPICampaign(call.campaignID, settings: settings)
            campaignKey = connection.lastInsertRowID
        } else {
            throw APIStoreError.campaignNotFound(call.campaignID)
        }
        if try isOnDNC(call.contact.target) { throw APIStoreError.onDNC(call.contact.target) }
        let now = Timestamp.nowMs()
        if let limit = call.concurrencyLimit, limit.max > 0 {
            let count = try statement("""
                SELECT COUNT(*) FROM contact_settings s JOIN contacts c ON c.id = s.contact_id
                WHERE c.campaign_key = ? AND s.created_at > ? AND c.state IN \(ContactState.sqlList(.pending, .dialing, .retryWait))
                """)
            guard try count.bind(.integer(campaignKey), .integer(now - Int64(limit.expirationSec) * 1000)).step() else { return (0, "") }
            if count.int(0) >= limit.max { throw APIStoreError.tooManyCalls(campaign: call.campaignID, limit: limit.max) }
        }
        let conversationID = RandomUUID.string()
        try statement("""
            INSERT INTO contacts (campaign_key, target, timezone, caller, metadata, conversation_id) VALUES (?, ?, ?, ?, ?, ?)
            """)
            .bind(.integer(campaignKey), .text(call.contact.target), .optional(call.contact.timezone), .optional(call.contact.caller),
                  .text(call.contact.metadata), .text(conversationID))
            .run()
        let id = connection.lastInsertRowID
        if let url = call.contact.notifyUrl {
            try statement("INSERT OR REPLACE INTO contact_webhooks (contact_id, url) VALUES (?, ?)").bind(.integer(id), .text(url)).run()
        }
        if let settings = call.settings {
            try statement("INSERT INTO contact_settings (contact_id, settings, sip_call_id, created_at) VALUES (?, ?, ?, ?)")
                .bind(.integer(id), .text(try Self.encodeSettings(settings)), .optional(call.sipCallID), .integer(now)).run()
        }
        return (id, conversationID)
    }

    /// Makes (or brings up to date) a campaign the API fills: no file, settings as given.
    public func upsertAPICampaign(_ id: String, settings: CampaignSettings) throws {
        defer { resetStatements() }
        let lookup = try statement("SELECT key FROM campaigns WHERE id = ?")
        if try lookup.bind(.text(id)).step() {
            let key = lookup.int(0)
            try statement("UPDATE campaigns SET name = ?, settings = ?, updated_at = ? WHERE key = ?")
                .bind(.optional(settings.name), .text(try Self.encodeSettings(settings)), .text(Timestamp.iso8601(Timestamp.nowMs())),
                      .integer(key))
                .run()
        } else {
            try createAPICampaign(id, settings: settings)
        }
    }

    private func createAPICampaign(_ id: String, settings: CampaignSettings) throws {
        let now = Timestamp.iso8601(Timestamp.nowMs())
        try statement("""
            INSERT INTO campaigns (id, name, state, settings, source_file, created_at, updated_at) VALUES (?, ?, \(CampaignState.active.sql), ?, 'api', ?, ?)
            """)
            .bind(.text(id), .optional(settings.name), .text(try Self.encodeSettings(settings)), .text(now), .text(now))
            .run()
    }

    /// Settings as the store keeps them (sorted keys): equal settings give equal text.
    public static func encodeSettingsText(_ settings: CampaignSettings) throws -> String { try encodeSettings(settings) }

    static func encodeSettings(_ settings: CampaignSettings) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(settings), as: UTF8.self)
    }

    /// The call (contact) `id` with its finished attempts.
    public func apiCall(id: Int64) throws -> APICallRecord {
        let row = try connection.prepare("""
            SELECT c.id, k.id, c.target, c.state, c.conversation_id, c.attempts, c.next_attempt_at
            FROM contacts c JOIN campaigns k ON k.key = c.campaign_key WHERE c.id = ?
            """)
        guard try row.bind(.integer(id)).step() else { throw APIStoreError.callNotFound(id) }
        let state = ContactState(rawValue: row.text(3) ?? "") ?? .pending
        var record = APICallRecord(
            id: row.int(0), campaignID: row.text(1) ?? "", target: row.text(2) ?? "", state: state,
            conversationID: row.text(4), attempts: Int(row.int(5)),
            nextAttemptAt: state == .retryWait ? row.int(6) : nil, cdrs: [])
        let attempts = try connection.prepare(Self.cdrColumns + " WHERE a.contact_id = ? AND a.status IS NOT NULL ORDER BY a.id")
        try attempts.bind(.integer(id))
        while try attempts.step() { record.cdrs.append(Self.cdrRecord(attempts)) }
        if record.conversationID == nil { record.conversationID = record.cdrs.last?.conversationId }
        return record
    }
}
