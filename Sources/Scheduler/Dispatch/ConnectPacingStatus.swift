/// The connect pacing of one campaign (`onHuman.connect.maxConcurrent`), for metrics and reports.
public struct ConnectPacingStatus: Sendable, Equatable {
    public var campaignID: String
    /// Calls connecting or connected to the target.
    public var connected: Int
    public var freeSlots: Int
    /// Calls up and not yet connected.
    public var waiting: Int
    /// The dial ratio in force, and the abandonment governor's ceiling on it.
    public var ratio: Double
    public var ceiling: Double
    public var abandonment: AbandonmentStats

    public init(campaignID: String, connected: Int, freeSlots: Int, waiting: Int, ratio: Double, ceiling: Double,
                abandonment: AbandonmentStats) {
        self.campaignID = campaignID
        self.connected = connected
        self.freeSlots = freeSlots
        self.waiting = waiting
        self.ratio = ratio
        self.ceiling = ceiling
        self.abandonment = abandonment
    }
}
