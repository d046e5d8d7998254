import Telephony

/// Per-campaign call statistics for `GET /v1/campaigns` (the console's table).
extension QueueStore {
    /// Each campaign's `CampaignCallStats` by campaign id, as of `now` (Unix ms). Campaigns with no
    /// attempt yet are absent. Reads every attempt once (as `campaignStatuses` does).
    public func campaignCallStats(now: Int64) throws -> [String: CampaignCallStats] {
        var stats: [String: CampaignCallStats] = [:]
        var keys: [String: Int64] = [:]
        let totals = try connection.prepare("""
            SELECT c.id, c.key, COALESCE(SUM(a.status IS NOT NULL), 0),
                   COALESCE(SUM(a.status IS NOT NULL AND a.connect_time IS NOT NULL), 0), COALESCE(SUM(a.start_time >= ?1), 0)
            FROM attempts a JOIN campaigns c ON c.key = a.campaign_key GROUP BY a.campaign_key
            """)
        try totals.bind(.integer(now - 60_000))
        while try totals.step() {
            guard let id = totals.text(0) else { continue }
            var entry = CampaignCallStats()
            entry.finished = Int(totals.int(2))
            entry.answered = Int(totals.int(3))
            entry.startedLastMinute = Int(totals.int(4))
            stats[id] = entry
            keys[id] = totals.int(1)
        }
        let verdicts = try connection.prepare("""
            SELECT c.id, a.machine_detection, COUNT(*) FROM attempts a JOIN campaigns c ON c.key = a.campaign_key
            WHERE a.machine_detection IS NOT NULL AND a.status IS NOT NULL AND a.connect_time IS NOT NULL
            GROUP BY a.campaign_key, a.machine_detection
            """)
        while try verdicts.step() {
            guard let id = verdicts.text(0), let kind = AMDEvent.Kind(rawValue: verdicts.text(1) ?? ""), kind.isVerdict else { continue }
            stats[id, default: CampaignCallStats()].amd[kind] = Int(verdicts.int(2))
        }
        let abandonment = try abandonmentStats(campaignKeys: Array(keys.values), now: now)
        for (id, key) in keys {
            if let counts = abandonment[key] { stats[id]?.abandonment = counts }
        }
        return stats
    }
}
