import Foundation

/// What the compliance audit reads: attempts with their contact's zone and their campaign's settings.
extension QueueStore {
    /// Every attempt of `campaignID` (of every campaign when nil), plus the other campaigns' attempts to
    /// the same numbers (they count towards a number's daily total), oldest first.
    public func auditedAttempts(campaignID: String?) throws -> [ComplianceAudit.Attempt] {
        var settings: [Int64: (id: String, settings: CampaignSettings)] = [:]
        let campaigns = try connection.prepare("SELECT key, id, settings FROM campaigns")
        while try campaigns.step() {
            let decoded = try JSONDecoder().decode(CampaignSettings.self, from: Data((campaigns.text(2) ?? "{}").utf8))
            settings[campaigns.int(0)] = (campaigns.text(1) ?? "", decoded)
        }
        let rows = try connection.prepare("""
            SELECT a.campaign_key, a.attempt, a.target, c.timezone, a.start_time FROM attempts a JOIN contacts c ON c.id = a.contact_id
            WHERE ?1 IS NULL OR a.target IN (SELECT target FROM attempts WHERE campaign_key = (SELECT key FROM campaigns WHERE id = ?1))
            ORDER BY a.start_time, a.id
            """)
        try rows.bind(campaignID.map { .text($0) } ?? .null)
        var attempts: [ComplianceAudit.Attempt] = []
        while try rows.step() {
            guard let campaign = settings[rows.int(0)] else { continue }
            attempts.append(ComplianceAudit.Attempt(
                campaignID: campaign.id, attempt: Int(rows.int(1)), target: rows.text(2) ?? "", contactZone: rows.text(3),
                startTime: rows.int(4), settings: campaign.settings, audited: campaignID == nil || campaign.id == campaignID))
        }
        return attempts
    }
}
