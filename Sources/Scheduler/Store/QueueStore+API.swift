import Foundation

/// One call posted through the HTTP API: a contact for a campaign that exists, or for a campaign
/// the API makes on first use (the built-in `api` campaign, or one per distinct set of settings).
public struct APICallSubmission: Sendable {
    public var campaignID: String
    /// The campaign to create when it does not exist yet; nil: it must exist.
    public var createWith: CampaignSettings?
    public var contact: ContactSpec

    public init(campaignID: String, createWith: CampaignSettings?, contact: ContactSpec) {
        self.campaignID = campaignID
        self.createWith = createWith
        self.contact = contact
    }
}

/// A call as the API reports it (a contact row and its attempts).
public struct APICallRecord: Sendable {
    public var id: Int64
    public var campaignID: String
    public var target: String
    public var state: ContactState
    public var conversationID: String?
    public var attempts: Int
    public var nextAttemptAt: Int64?
    /// Finished attempts, oldest first.
    public var cdrs: [CDRRecord]
}

/// An `Idempotency-Key` on a POST: the key, the API key that sent it, and a hash of the request.
public struct IdempotencyClaim: Sendable {
    public var apiKey: String
    public var key: String
    public var requestHash: String

    public init(apiKey: String, key: String, requestHash: String) {
        self.apiKey = apiKey
        self.key = key
        self.requestHash = requestHash
    }

    /// How long a key's first response is replayed.
    public static let lifetimeMs: Int64 = 86_400_000
}

/// What a POST with an idempotency key came to.
public enum IdempotentOutcome<Value: Sendable>: Sendable {
    /// Done now; its response is recorded under the key.
    case done(Value, status: Int, body: String)
    /// The key was used before with the same request: its first response, nothing done.
    case replayed(status: Int, body: String)
    /// The key was used before with a different request: nothing done.
    case keyReused
}

/// Why an API write was refused; nothing was written.
public enum APIStoreError: Error, Sendable, Equatable {
    case campaignNotFound(String)
    case campaignCancelled(String)
    case onDNC(String)
    case callNotFound(Int64)
}

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
            INSERT INTO campaigns (id, name, state, settings, source_file, created_at, updated_at) VALUES (?, ?, 'active', ?, 'api', ?, ?)
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
