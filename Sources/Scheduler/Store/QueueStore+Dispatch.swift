import Foundation
import Telephony

/// Queries of the dispatcher: claim, mark sent, finish, recover. Each runs in one transaction.
extension QueueStore {
    /// The active campaigns, each with whether its kept counts (migration 11) hold pending or
    /// retry-waiting contacts: the dispatcher does not claim from one that has none.
    public func activeCampaigns() throws -> [DispatchCampaign] {
        let query = try connection.prepare("""
            SELECT key, id, settings, EXISTS (
                SELECT 1 FROM contact_counts n WHERE n.campaign_key = campaigns.key AND n.unfinished_file_id = 0
                AND n.state IN \(ContactState.sqlList(.pending, .retryWait)) AND n.count > 0)
            FROM campaigns WHERE state = \(CampaignState.active.sql) ORDER BY key
            """)
        var campaigns: [DispatchCampaign] = []
        while try query.step() {
            let settings = try JSONDecoder().decode(CampaignSettings.self, from: Data((query.text(2) ?? "{}").utf8))
            campaigns.append(DispatchCampaign(key: query.int(0), id: query.text(1) ?? "", settings: settings, hasQueuedContacts: query.int(3) != 0))
        }
        return campaigns
    }

    /// Which of a campaign's contacts a claim looks among: those its kept counts (migration 11) say
    /// it has. A claim only ever takes contacts out of these states, so what is true at the start of
    /// its transaction holds to its end.
    public struct QueuedContacts: Sendable, Equatable {
        public var pending: Bool
        public var retryWait: Bool

        public static let all = QueuedContacts(pending: true, retryWait: true)
    }

    /// A campaign's visible pending contacts (how many, and how many ever entered pending: migration
    /// 12) and retry-waiting ones, from the kept counts.
    struct QueueCounts: Equatable {
        var pending: Int64 = 0
        var pendingEntered: Int64 = 0
        var retryWait: Int64 = 0
    }

    func queueCounts(campaignKey: Int64) throws -> QueueCounts {
        defer { resetStatements() }
        let rows = try statement("""
            SELECT state, count, entered FROM contact_counts
            WHERE campaign_key = ? AND unfinished_file_id = 0 AND state IN \(ContactState.sqlList(.pending, .retryWait))
            """)
        try rows.bind(.integer(campaignKey))
        var counts = QueueCounts()
        while try rows.step() {
            switch ContactState(rawValue: rows.text(0) ?? "") {
            case .pending:
                counts.pending = rows.int(1)
                counts.pendingEntered = rows.int(2)
            case .retryWait:
                counts.retryWait = rows.int(1)
            default:
                break
            }
        }
        return counts
    }

    /// What a claim that found none of a campaign's pending contacts due learnt: when the earliest
    /// falls due (nil: none is pending), and the campaign's pending counts then. While the counts are
    /// the same, so are the pending contacts and their due times (only a claim defers a contact, and
    /// a claim searches them again only once one is due), and no claim before `earliest` need search.
    struct DeferredPending: Equatable {
        var count: Int64
        var entered: Int64
        var earliest: Int64?

        /// Whether, with the campaign's counts now `counts`, none of its pending contacts is due at `now`.
        func noneDue(at now: Int64, counts: QueueCounts) -> Bool {
            count == counts.pending && entered == counts.pendingEntered && earliest.map { now < $0 } ?? true
        }
    }

    /// The campaign's pending contacts as they are now, none of them due: their counts and the earliest due time.
    private func waitingPending(campaignKey: Int64) throws -> DeferredPending {
        let counts = try queueCounts(campaignKey: campaignKey)
        defer { resetStatements() }
        let earliest = try statement(Self.earliestPendingContact)
        guard try earliest.bind(.integer(campaignKey)).step(), !earliest.isNull(0) else {
            return DeferredPending(count: counts.pending, entered: counts.pendingEntered, earliest: nil)
        }
        return DeferredPending(count: counts.pending, entered: counts.pendingEntered, earliest: earliest.int(0))
    }

    /// When campaign ?1's earliest visible pending contact falls due (ms). Reads every contact: asked
    /// once a claim found none due (then remembered: `deferredPending`).
    static let earliestPendingContact = """
        SELECT MIN(next_attempt_at) FROM contacts WHERE campaign_key = ?1 AND state = \(ContactState.pending.sql)
          AND \(visibleContact(campaignKeySQL: "?1"))
        """

    /// The next contact of `campaign` due at `now` (ms): a due retry first, then pending contacts in
    /// file order after `cursor`. Nil if none; the caller may reset its cursor to 0 and ask again.
    /// - Parameter queued: the kinds of contact to look for (from `queueCounts` and `deferredPending`);
    ///   a search for pending contacts when none is due reads every contact after `cursor` to find nothing.
    public func nextDueContact(campaignKey: Int64, now: Int64, after cursor: Int64,
                               among queued: QueuedContacts = .all) throws -> (id: Int64, target: String, timezone: String?, isPending: Bool)? {
        defer { resetStatements() }
        if queued.retryWait {
            let retry = try statement("""
                SELECT id, target, timezone FROM contacts
                WHERE campaign_key = ? AND state = \(ContactState.retryWait.sql) AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT 1
                """)
            if try retry.bind(.integer(campaignKey), .integer(now)).step() {
                return (retry.int(0), retry.text(1) ?? "", retry.text(2), false)
            }
        }
        guard queued.pending else { return nil }
        let pending = try statement(Self.nextPendingContact)
        if try pending.bind(.integer(cursor), .integer(campaignKey), .integer(now)).step() {
            return (pending.int(0), pending.text(1) ?? "", pending.text(2), true)
        }
        return nil
    }

    /// A campaign's (?2) first pending contact due at ?3 (ms) after id ?1. Pending contacts have no
    /// index (every imported row would pay for it): this reads the contacts after ?1 until it finds one.
    static let nextPendingContact = """
        SELECT id, target, timezone FROM contacts
        WHERE id > ?1 AND campaign_key = ?2 AND state = \(ContactState.pending.sql) AND next_attempt_at <= ?3
          AND \(visibleContact(campaignKeySQL: "?2")) ORDER BY id LIMIT 1
        """

    /// A contact whose calling window is closed waits until it opens (it is not skipped).
    public func deferContact(_ contactID: Int64, until: Int64) throws {
        try statement("UPDATE contacts SET next_attempt_at = ? WHERE id = ?").bind(.integer(until), .integer(contactID)).run()
    }

    public func isOnDNC(_ target: String) throws -> Bool {
        defer { resetStatements() }
        return try statement("SELECT 1 FROM dnc WHERE target = ?").bind(.text(target)).step()
    }

    public func skipForDNC(_ contactID: Int64) throws {
        try statement("UPDATE contacts SET state = \(ContactState.skipped.sql), skip_reason = 'dnc' WHERE id = ?").bind(.integer(contactID)).run()
    }

    /// What one `claimBatch` did.
    public struct ClaimBatch: Sendable {
        public var claimed: [ClaimedAttempt] = []
        public var deferred: [(contactID: Int64, until: Int64)] = []
        public var skippedDNC: [(contactID: Int64, target: String)] = []
        /// Where the next batch goes on among pending contacts.
        public var cursor: Int64
        /// No due contact was left (after going round once).
        public var exhausted = false
    }

    /// Claims up to `limit` due contacts of `campaign` in one transaction: due retries first, then
    /// pending contacts in file order after `cursor`. `check` is given each contact's target, its own
    /// time zone and a count of its number's attempts (every campaign) between two Unix ms times; a
    /// contact it defers waits until then, one on the DNC list is skipped. Each claimed contact has
    /// its attempt row written.
    public func claimBatch(
        campaign: DispatchCampaign, trunk: String?, now: Int64, after cursor: Int64, limit: Int,
        check: (_ target: String, _ timezone: String?, _ attemptsBetween: (Int64, Int64) throws -> Int) throws -> ClaimCheck
    ) throws -> ClaimBatch {
        defer { resetStatements() }
        var waiting: DeferredPending?
        let batch = try connection.transaction {
            var batch = ClaimBatch(cursor: cursor)
            let counts = try queueCounts(campaignKey: campaign.key)
            // Pending contacts are searched unless a claim found none due and they are the same still.
            let pendingDue = counts.pending > 0 && !(deferredPending[campaign.key]?.noneDue(at: now, counts: counts) ?? false)
            let queued = QueuedContacts(pending: pendingDue, retryWait: counts.retryWait > 0)
            var wrapped = false
            while batch.claimed.count < limit {
                guard let contact = try nextDueContact(campaignKey: campaign.key, now: now, after: batch.cursor, among: queued) else {
                    if batch.cursor > 0, !wrapped {
                        wrapped = true
                        batch.cursor = 0
                        continue
                    }
                    batch.exhausted = true
                    if pendingDue { waiting = try waitingPending(campaignKey: campaign.key) }
                    break
                }
                if contact.isPending { batch.cursor = contact.id }
                let zones: CallingPolicy.Zones?
                switch try check(contact.target, contact.timezone, { try attemptsOfNumber(contact.target, from: $0, to: $1) }) {
                case .deferUntil(let opens):
                    try deferContact(contact.id, until: opens)
                    batch.deferred.append((contact.id, opens))
                    continue
                case .call(let checked):
                    zones = checked
                }
                if try isOnDNC(contact.target) {
                    try skipForDNC(contact.id)
                    batch.skippedDNC.append((contact.id, contact.target))
                    continue
                }
                if let claimed = try claimInTransaction(contactID: contact.id, campaign: campaign, trunk: trunk, now: now, zones: zones) {
                    batch.claimed.append(claimed)
                }
            }
            return batch
        }
        // Once committed (in a group, `commitGroup` forgets it if the group is not).
        if let waiting { deferredPending[campaign.key] = waiting }
        return batch
    }

    /// Attempts made to `target` from every campaign with a start time in [from, to) (Unix ms).
    public func attemptsOfNumber(_ target: String, from: Int64, to: Int64) throws -> Int {
        defer { resetStatements() }
        let count = try statement("SELECT COUNT(*) FROM attempts WHERE target = ? AND start_time >= ? AND start_time < ?")
        guard try count.bind(.text(target), .integer(from), .integer(to)).step() else { return 0 }
        return Int(count.int(0))
    }

    private func claimInTransaction(contactID: Int64, campaign: DispatchCampaign, trunk: String?, now: Int64,
                                    zones: CallingPolicy.Zones?) throws -> ClaimedAttempt? {
        do {
            let contact = try statement("""
                SELECT target, timezone, caller, attempts, metadata, (SELECT url FROM contact_webhooks WHERE contact_id = contacts.id),
                       conversation_id, s.settings, s.sip_call_id
                FROM contacts LEFT JOIN contact_settings s ON s.contact_id = contacts.id
                WHERE id = ? AND state IN \(ContactState.sqlList(.pending, .retryWait))
                """)
            guard try contact.bind(.integer(contactID)).step() else { return nil }
            let target = contact.text(0) ?? ""
            let attempt = Int(contact.int(3)) + 1
            let own = try contact.text(7).map { try JSONDecoder().decode(CampaignSettings.self, from: Data($0.utf8)) }
            let caller = contact.text(2) ?? (own ?? campaign.settings).caller
            let metadata = Self.mergedMetadata(campaign: (own ?? campaign.settings).metadata, contact: contact.text(4) ?? "{}")
            var claimed = ClaimedAttempt(
                attemptID: 0, contactID: contactID, campaignKey: campaign.key, campaignID: campaign.id, attempt: attempt,
                target: target, timezone: contact.text(1), caller: caller, cdrId: RandomUUID.string(),
                conversationId: contact.text(6) ?? RandomUUID.string())
            claimed.notifyUrl = contact.text(5)
            claimed.zones = zones
            claimed.metadata = metadata
            claimed.settings = own
            if attempt == 1 { claimed.sipCallID = contact.text(8) }
            try statement("UPDATE contacts SET state = \(ContactState.dialing.sql), attempts = ? WHERE id = ?")
                .bind(.int(attempt), .integer(contactID)).run()
            try statement("""
                INSERT INTO attempts (cdr_id, contact_id, campaign_key, attempt, conversation_id, target, caller, trunk, start_time, metadata,
                                      time_zones, zone_source)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
                .bind(.text(claimed.cdrId), .integer(contactID), .integer(campaign.key), .int(attempt), .text(claimed.conversationId),
                      .text(target), .optional(caller), .optional(trunk), .integer(now), .text(metadata),
                      .optional(zones.map { $0.identifiers.joined(separator: "&") }), .optional(zones?.source.rawValue))
                .run()
            var result = claimed
            result.attemptID = connection.lastInsertRowID
            return result
        }
    }

    /// The INVITE is about to go out (committed before it does): from now on a crash leaves this
    /// attempt `interrupted`, never redialed by itself, rather than pending.
    public func markInviteSent(attemptID: Int64, sipCallID: String) throws {
        defer { resetStatements() }
        try statement("UPDATE attempts SET invite_sent = 1, sip_call_id = ? WHERE id = ?")
            .bind(.text(sipCallID), .integer(attemptID)).run()
    }

    /// Gives back a claim whose INVITE never went out (its placement could not be recorded): the
    /// attempt row goes and the contact waits to be dialed again, as recovery at start-up does with
    /// such attempts. Nothing if the attempt was recorded as placed or finished meanwhile.
    public func releaseUnplacedAttempt(_ claimed: ClaimedAttempt) throws {
        defer { resetStatements() }
        try connection.transaction {
            try statement("DELETE FROM attempts WHERE id = ? AND status IS NULL AND invite_sent = 0").bind(.integer(claimed.attemptID)).run()
            guard connection.changes == 1 else { return }
            try statement("UPDATE contacts SET state = \(ContactState.pending.sql), attempts = attempts - 1 WHERE id = ? AND state = \(ContactState.dialing.sql)")
                .bind(.integer(claimed.contactID)).run()
        }
    }

    /// Finishes the attempt and applies `policy` to its contact, in one transaction; returns the CDR.
    /// With `notifyURL`, the `completed` or `failed` webhook is enqueued in the same transaction.
    /// - Parameter notify: the call's settings, for its final webhooks (`NotificationPlanner`); nil: none.
    public func finish(_ claimed: ClaimedAttempt, result: CallResult, policy: RetryPolicy, notify: CampaignSettings? = nil) throws -> CDRRecord {
        defer { resetStatements() }
        return try connection.transaction {
            let decision = policy.decide(result.outcome, attemptsMade: claimed.attempt)
            var nextAttemptAt: Int64?
            switch decision {
            case .retry(let seconds):
                nextAttemptAt = result.disconnectTime + Int64(seconds) * 1000
                try statement("UPDATE contacts SET state = \(ContactState.retryWait.sql), next_attempt_at = ? WHERE id = ?")
                    .bind(.integer(nextAttemptAt ?? 0), .integer(claimed.contactID)).run()
            case .final(let state):
                try statement("UPDATE contacts SET state = ? WHERE id = ?")
                    .bind(.text(state.rawValue), .integer(claimed.contactID)).run()
            }
            var outcome = result.outcome
            if let digit = result.optedOutDigit {
                // The callee asked not to be called again: the DNC list, and every waiting contact with this number.
                _ = try insertIntoDNC([claimed.target], source: "opt-out digit \(digit) in campaign \(claimed.campaignID)",
                                      at: result.disconnectTime)
                outcome.reason = (outcome.reason.map { $0 + "; " } ?? "") + "opted out with \(digit); added to the DNC list"
            }
            try statement("""
                UPDATE attempts SET sip_call_id = COALESCE(?, sip_call_id), ring_time = ?, connect_time = ?, disconnect_time = ?,
                    status = ?, reason_code = ?, reason = ?, sip_code = ?, will_retry = ?, next_attempt_at = ?,
                    machine_detection = ?, amd_decision_ms = ?, beep_detected = ?, opted_out = ?, redirected_to = ?,
                    connect_target = ?, connect_sip_code = ?, connect_answer_ms = ?, connected_sec = ?, abandoned = ?,
                    cdr_seq = (SELECT COALESCE(MAX(cdr_seq), 0) + 1 FROM attempts)
                WHERE id = ?
                """)
                .bind(.optional(result.sipCallID.isEmpty ? nil : result.sipCallID), result.ringTime.map { .integer($0) } ?? .null,
                      result.connectTime.map { .integer($0) } ?? .null, .integer(result.disconnectTime),
                      .text(outcome.status.rawValue), .text(outcome.reasonCode.rawValue), .optional(outcome.reason),
                      outcome.sipCode.map { .int($0) } ?? .null, .int(nextAttemptAt == nil ? 0 : 1),
                      nextAttemptAt.map { .integer($0) } ?? .null, .optional(result.machineDetection?.kind.rawValue),
                      result.machineDetection.map { .int($0.timeMs) } ?? .null, result.beepDetected.map { .int($0 ? 1 : 0) } ?? .null,
                      .int(result.optedOutDigit == nil ? 0 : 1), .optional(result.redirectedTo),
                      .optional(result.connect?.target), result.connect?.sipCode.map { .int($0) } ?? .null,
                      result.connect?.answerMs.map { .integer($0) } ?? .null, result.connect?.connectedSec.map { .real($0) } ?? .null,
                      result.connect.map { .int($0.abandoned ? 1 : 0) } ?? .null,
                      .integer(claimed.attemptID))
                .run()
            let record = try cdr(attemptID: claimed.attemptID)
            if let notify {
                try enqueuePlanned(.ended(outcome.status), record: record, settings: notify, contactURL: claimed.notifyUrl,
                                   campaignKey: claimed.campaignKey, attemptID: claimed.attemptID)
            }
            return record
        }
    }

    /// Start-up after a crash (DESIGN.md): attempts whose INVITE was never sent go back to pending;
    /// sent ones become `interrupted`, with a CDR saying so and their final webhook enqueued, and
    /// are never redialed automatically.
    public func recoverUnfinishedAttempts(now: Int64) throws -> [CDRRecord] {
        try connection.transaction {
            try connection.execute("""
                UPDATE contacts SET state = \(ContactState.pending.sql), attempts = attempts - 1
                WHERE id IN (SELECT contact_id FROM attempts WHERE status IS NULL AND invite_sent = 0);
                DELETE FROM attempts WHERE status IS NULL AND invite_sent = 0;
                """)
            var interrupted: [Int64] = []
            let open = try connection.prepare("SELECT id, contact_id FROM attempts WHERE status IS NULL AND invite_sent = 1")
            while try open.step() { interrupted.append(open.int(0)) }
            try connection.prepare("""
                UPDATE contacts SET state = \(ContactState.interrupted.sql)
                WHERE id IN (SELECT contact_id FROM attempts WHERE status IS NULL AND invite_sent = 1)
                """).run()
            // One at a time: each takes the next CDR sequence number.
            let interrupt = try connection.prepare("""
                UPDATE attempts SET status = \(CallOutcome.Status.failed.sql), reason_code = \(CallOutcome.ReasonCode.interrupted.sql), reason = 'campaignd stopped during the call',
                    disconnect_time = ?, will_retry = 0, cdr_seq = (SELECT COALESCE(MAX(cdr_seq), 0) + 1 FROM attempts)
                WHERE id = ?
                """)
            for id in interrupted { try interrupt.bind(.integer(now), .integer(id)).run() }
            let records = try interrupted.map { id throws in try cdr(attemptID: id) }
            // Whoever follows the call by webhook hears how it ended (`failed`, reasonCode
            // `interrupted`), with the call's own settings, as any other final webhook.
            let call = try connection.prepare(Self.callNotificationQuery(where: "a.id = ?"))
            for (id, record) in zip(interrupted, records) {
                guard try call.bind(.integer(id)).step() else { continue }
                let (_, campaignKey, settings, contactURL) = try Self.callNotificationContext(call)
                try enqueuePlanned(.ended(.failed), record: record, settings: settings, contactURL: contactURL,
                                   campaignKey: campaignKey, attemptID: id)
            }
            return records
        }
    }

    /// Sends a campaign's interrupted contacts back to pending (an operator's deliberate choice).
    /// Throws `campaignNotFound` for an unknown campaign and `campaignCancelled` for a cancelled
    /// one (its contacts stay as they are), whether asked by the CLI or the API.
    public func requeueInterrupted(campaignID: String) throws -> Int {
        try connection.transaction {
            let lookup = try connection.prepare("SELECT state FROM campaigns WHERE id = ? AND state != \(CampaignState.importing.sql)")
            guard try lookup.bind(.text(campaignID)).step(), let state = CampaignState(rawValue: lookup.text(0) ?? "") else {
                throw StoreError.campaignNotFound(campaignID)
            }
            if state == .cancelled { throw StoreError.campaignCancelled(campaignID) }
            try connection.prepare("""
                UPDATE contacts SET state = \(ContactState.pending.sql), next_attempt_at = 0
                WHERE state = \(ContactState.interrupted.sql) AND campaign_key = (SELECT key FROM campaigns WHERE id = ?)
                """).bind(.text(campaignID)).run()
            return connection.changes
        }
    }

    /// The earliest time (ms) a retry or deferred contact of an active campaign falls due, if any.
    /// Looks only at campaigns whose kept counts (migration 11) hold such contacts: retries by their
    /// due-time index, pending contacts as the last claim found them if they are the same still
    /// (`deferredPending`), else by reading every contact.
    public func nextRetryTime() throws -> Int64? {
        var next: Int64?
        let queued = try connection.prepare("""
            SELECT n.campaign_key, n.state, n.count, n.entered FROM contact_counts n JOIN campaigns c ON c.key = n.campaign_key
            WHERE c.state = \(CampaignState.active.sql) AND n.unfinished_file_id = 0
              AND n.state IN \(ContactState.sqlList(.retryWait, .pending)) AND n.count > 0
            """)
        let retry = try connection.prepare("""
            SELECT next_attempt_at FROM contacts WHERE campaign_key = ?1 AND state = \(ContactState.retryWait.sql)
              AND \(Self.visibleContact(campaignKeySQL: "?1")) ORDER BY next_attempt_at LIMIT 1
            """)
        let pending = try connection.prepare(Self.earliestPendingContact)
        while try queued.step() {
            let key = queued.int(0)
            let isRetry = ContactState(rawValue: queued.text(1) ?? "") == .retryWait
            if !isRetry, let known = deferredPending[key], known.count == queued.int(2), known.entered == queued.int(3) {
                if let earliest = known.earliest { next = min(next ?? .max, earliest) }
                continue
            }
            let earliest = isRetry ? retry : pending
            if try earliest.bind(.integer(key)).step(), !earliest.isNull(0) {
                next = min(next ?? .max, earliest.int(0))
            }
        }
        return next
    }

    /// How many contacts of active campaigns still wait to be dialed (or are being dialed), from the
    /// kept counts (migration 11).
    public func waitingContacts() throws -> Int {
        Int(try connection.scalarText("""
            SELECT COALESCE(SUM(n.count), 0) FROM contact_counts n JOIN campaigns c ON c.key = n.campaign_key
            WHERE c.state = \(CampaignState.active.sql) AND n.unfinished_file_id = 0
              AND n.state IN \(ContactState.sqlList(.pending, .retryWait, .dialing))
            """) ?? "0") ?? 0
    }

    static let cdrColumns = """
        SELECT a.cdr_id, a.conversation_id, a.sip_call_id, c.id, a.contact_id, a.attempt, a.target, a.caller, a.trunk,
               a.start_time, a.ring_time, a.connect_time, a.disconnect_time, a.status, a.reason_code, a.reason, a.sip_code,
               a.machine_detection, a.amd_decision_ms, a.beep_detected, a.will_retry, a.next_attempt_at, a.metadata,
               a.opted_out, a.redirected_to, a.cdr_seq, a.time_zones, a.zone_source,
               a.connect_target, a.connect_sip_code, a.connect_answer_ms, a.connected_sec, a.abandoned
        FROM attempts a JOIN campaigns c ON c.key = a.campaign_key
        """

    func cdr(attemptID: Int64) throws -> CDRRecord {
        let row = try statement(Self.cdrColumns + " WHERE a.id = ?")
        guard try row.bind(.integer(attemptID)).step() else { throw StoreError.attemptNotFound(attemptID) }
        return Self.cdrRecord(row)
    }

    /// Every finished attempt of campaign `id`, in CDR order (what its CDR lines say).
    public func finishedAttempts(campaignID id: String) throws -> [CDRRecord] {
        let rows = try connection.prepare(Self.cdrColumns + " WHERE c.id = ? AND a.status IS NOT NULL ORDER BY a.cdr_seq")
        try rows.bind(.text(id))
        var records: [CDRRecord] = []
        while try rows.step() { records.append(Self.cdrRecord(rows)) }
        return records
    }

    static func cdrRecord(_ row: SQLiteStatement) -> CDRRecord {
        func optionalInt(_ column: Int32) -> Int64? { row.isNull(column) ? nil : row.int(column) }
        return CDRRecord(
            cdrId: row.text(0) ?? "", conversationId: row.text(1) ?? "", sipCallId: row.text(2), campaignId: row.text(3) ?? "",
            contactId: row.int(4), attempt: Int(row.int(5)), target: row.text(6) ?? "", caller: row.text(7), trunk: row.text(8),
            startTime: row.int(9), ringTime: optionalInt(10), connectTime: optionalInt(11), disconnectTime: row.int(12),
            status: row.text(13).flatMap(CallOutcome.Status.init(rawValue:)),
            reasonCode: row.text(14).flatMap(CallOutcome.ReasonCode.init(rawValue:)), reason: row.text(15), sipCode: optionalInt(16).map { Int($0) },
            redirectedTo: row.text(24),
            machineDetection: row.text(17).flatMap(AMDEvent.Kind.init(rawValue:)), amdDecisionMs: optionalInt(18).map { Int($0) }, beepDetected: optionalInt(19).map { $0 != 0 },
            optedOut: row.int(23) != 0, willRetry: row.int(20) != 0, nextAttemptAt: optionalInt(21), metadata: row.text(22) ?? "{}",
            timeZoneList: row.text(26), zoneSource: row.text(27).flatMap(ZoneSource.init(rawValue:)),
            cdrSeq: optionalInt(25),
            connectTarget: row.text(28), connectSipCode: optionalInt(29).map { Int($0) }, connectAnswerMs: optionalInt(30),
            connectedSec: row.isNull(31) ? nil : row.double(31), abandoned: optionalInt(32).map { $0 != 0 })
    }

    /// Campaign metadata with the contact's laid over it, as one JSON object.
    static func mergedMetadata(campaign: String, contact: String) -> String {
        guard campaign != "{}" else { return contact }
        guard contact != "{}" else { return campaign }
        guard let base = try? JSONParser.parse(Array(campaign.utf8), file: "campaign"),
              let top = try? JSONParser.parse(Array(contact.utf8), file: "contact") else { return contact }
        return base.merged(with: top).serialized
    }
}
