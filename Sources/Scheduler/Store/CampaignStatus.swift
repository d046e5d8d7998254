/// Per-campaign contact counts, as `campaignd status` shows them.
public struct CampaignStatus: Sendable, Equatable {
    public var id: String
    public var name: String?
    public var state: CampaignState
    public var counts: [ContactState: Int] = [:]
    /// Attempts by where the zones their window was checked in came from (contact, number, campaign, default).
    public var attemptsByZoneSource: [ZoneSource: Int] = [:]

    public var total: Int { counts.values.reduce(0, +) }
    public func count(_ state: ContactState) -> Int { counts[state] ?? 0 }
}
