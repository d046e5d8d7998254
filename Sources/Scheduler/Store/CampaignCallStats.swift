import Telephony

/// A campaign's calls as its operators watch them: how fast it dials, how many answer, what
/// answering machine detection decided, and how many people put through were abandoned.
public struct CampaignCallStats: Sendable, Equatable {
    /// Attempts that have ended.
    public var finished = 0
    /// Ended attempts that were answered.
    public var answered = 0
    /// Attempts started in the minute before the stats were read.
    public var startedLastMinute = 0
    /// Answered attempts by their last AMD verdict (only verdicts: `AMDEvent.Kind.isVerdict`).
    public var amd: [AMDEvent.Kind: Int] = [:]
    /// People put through to an agent or bot, and those abandoned.
    public var abandonment = AbandonmentStats()

    public init() {}

    /// Answered per ended attempt (0 before any ended).
    public var answerRate: Double { finished == 0 ? 0 : Double(answered) / Double(finished) }
}
