import Telephony

/// Abandonment counts of campaigns that put people through to agents or bots.
extension QueueStore {
    /// For each campaign key: the people its finished attempts put through (a connect tried, the
    /// verdict not a machine) and how many of them were abandoned, in all and in the 30 days
    /// before `now` (Unix ms). Reads only attempts that tried a connect (an index holds them).
    public func abandonmentStats(campaignKeys: [Int64], now: Int64) throws -> [Int64: AbandonmentStats] {
        defer { resetStatements() }
        let query = try statement("""
            SELECT COUNT(*), COALESCE(SUM(abandoned), 0), COALESCE(SUM(disconnect_time >= ?1), 0),
                   COALESCE(SUM(abandoned AND disconnect_time >= ?1), 0)
            FROM attempts
            WHERE campaign_key = ?2 AND connect_target IS NOT NULL AND status IS NOT NULL
              AND COALESCE(machine_detection, '') != \(AMDEvent.Kind.machineDetected.sql)
            """)
        let since = now - Int64(AbandonmentStats.window.components.seconds) * 1000
        var stats: [Int64: AbandonmentStats] = [:]
        for key in campaignKeys {
            guard try query.bind(.integer(since), .integer(key)).step() else { continue }
            stats[key] = AbandonmentStats(people: Int(query.int(0)), abandoned: Int(query.int(1)),
                                          peopleLast30Days: Int(query.int(2)), abandonedLast30Days: Int(query.int(3)))
        }
        return stats
    }

    /// The abandonment counts of campaign `id` (nil if there is no such campaign).
    public func abandonmentStats(campaignID id: String, now: Int64) throws -> AbandonmentStats? {
        guard let key = try campaignKey(of: id) else { return nil }
        return try abandonmentStats(campaignKeys: [key], now: now)[key]
    }
}
