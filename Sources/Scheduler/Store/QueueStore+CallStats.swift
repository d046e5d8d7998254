import Telephony

/// Per-campaign call statistics for `GET /v1/campaigns` (the console's table).
extension QueueStore {
    /// Each campaign's `CampaignCallStats` by campaign id, as of `now` (Unix ms). Campaigns with no
    /// attempt yet are absent. Reads the counts the store keeps (migration 11), the attempts started
    /// in the last minute (by index) and the abandonment counts: not every attempt.
    public func campaignCallStats(now: Int64) throws -> [String: CampaignCallStats] {
        var stats: [String: CampaignCallStats] = [:]
        var keys: [String: Int64] = [:]
        let counts = try connection.prepare("""
            SELECT c.id, c.key, n.measure, n.value, n.count FROM attempt_counts n JOIN campaigns c ON c.key = n.campaign_key
            WHERE n.measure IN (\(AttemptMeasure.started.sql), \(AttemptMeasure.finished.sql), \(AttemptMeasure.answered.sql), \(AttemptMeasure.amd.sql))
              AND n.count != 0
            """)
        while try counts.step() {
            guard let id = counts.text(0), let measure = AttemptMeasure(rawValue: counts.text(2) ?? "") else { continue }
            let count = Int(counts.int(4))
            keys[id] = counts.int(1)
            var entry = stats[id] ?? CampaignCallStats()
            switch measure {
            case .started, .zone: break
            case .finished: entry.finished = count
            case .answered: entry.answered = count
            case .amd:
                if let kind = AMDEvent.Kind(rawValue: counts.text(3) ?? ""), kind.isVerdict { entry.amd[kind] = count }
            }
            stats[id] = entry
        }
        let recent = try connection.prepare("SELECT COUNT(*) FROM attempts WHERE campaign_key = ? AND start_time >= ?")
        for (id, key) in keys {
            guard try recent.bind(.integer(key), .integer(now - 60_000)).step() else { continue }
            stats[id]?.startedLastMinute = Int(recent.int(0))
        }
        let abandonment = try abandonmentStats(campaignKeys: Array(keys.values), now: now)
        for (id, key) in keys {
            if let counts = abandonment[key] { stats[id]?.abandonment = counts }
        }
        return stats
    }
}
