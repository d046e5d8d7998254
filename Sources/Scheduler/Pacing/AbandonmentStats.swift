/// A campaign's abandoned calls against the people it put through to agents or bots (attempts
/// whose connect was tried and whose verdict was not a machine), over its whole life and over the
/// last 30 days: the two abandonment rates predictive dialing must keep under `maxAbandonRate`.
public struct AbandonmentStats: Sendable, Equatable {
    public var people: Int
    public var abandoned: Int
    public var peopleLast30Days: Int
    public var abandonedLast30Days: Int

    public init(people: Int = 0, abandoned: Int = 0, peopleLast30Days: Int = 0, abandonedLast30Days: Int = 0) {
        self.people = people
        self.abandoned = abandoned
        self.peopleLast30Days = peopleLast30Days
        self.abandonedLast30Days = abandonedLast30Days
    }

    /// The rolling window of the US rule (47 CFR 64.1200(a)(7): 3 % of calls answered by a person,
    /// per campaign, measured over 30 days).
    public static let window: Duration = .seconds(30 * 86_400)

    /// Abandoned per person over the campaign's life (0 before anyone answered).
    public var rate: Double { people == 0 ? 0 : Double(abandoned) / Double(people) }
    /// Abandoned per person over the last 30 days.
    public var rateLast30Days: Double { peopleLast30Days == 0 ? 0 : Double(abandonedLast30Days) / Double(peopleLast30Days) }

    /// Whether one more abandoned call would put either rate above `limit`.
    public func wouldPass(_ limit: Double) -> Bool {
        Double(abandoned + 1) / Double(people + 1) > limit
            || Double(abandonedLast30Days + 1) / Double(peopleLast30Days + 1) > limit
    }

    /// One more person put through (or abandoned).
    public mutating func record(abandoned wasAbandoned: Bool) {
        people += 1
        peopleLast30Days += 1
        if wasAbandoned {
            abandoned += 1
            abandonedLast30Days += 1
        }
    }
}
