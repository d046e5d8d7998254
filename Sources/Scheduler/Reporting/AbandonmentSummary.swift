import Foundation
import Telephony

/// How a campaign that puts people through to agents or bots did: people put through, abandoned
/// calls and the abandonment rate over the campaign, the last 30 days, and day by day (the rate of
/// the 30 days up to each day's end, the measure of the US rule).
public struct AbandonmentSummary: Sendable, Equatable {
    /// One UTC day with connect attempts.
    public struct Day: Sendable, Equatable {
        /// `YYYY-MM-DD` (UTC).
        public var date: String
        public var people: Int
        public var abandoned: Int
        /// Abandoned per person over the 30 days ending with this day.
        public var rollingRate: Double
    }

    /// The line the chart draws (47 CFR 64.1200(a)(7): 3 % of calls answered by a person).
    public static let usLimit = 0.03

    public var people = 0
    public var abandoned = 0
    /// Put through and kept by the agent (bridged, or taken by REFER).
    public var connected = 0
    public var transferred = 0
    public var agentDisconnected = 0
    public var medianAnswerMs: Int64?
    public var averageConnectedSec: Double?
    public var last30Days = AbandonmentStats()
    public var days: [Day] = []

    public var rate: Double { people == 0 ? 0 : Double(abandoned) / Double(people) }

    /// The summary of `records`' connect attempts (nil when none tried one); "people" are those
    /// whose verdict was not a machine.
    public init?(records: [CDRRecord], now: Int64) {
        let people = records.filter { $0.connectTarget != nil && $0.machineDetection != .machineDetected }
        guard !people.isEmpty else { return nil }
        let window = Int64(AbandonmentStats.window.components.seconds) * 1000
        var answerMs: [Int64] = []
        var talk: [Double] = []
        var byDay: [Int64: (people: Int, abandoned: Int)] = [:]
        for record in people {
            let wasAbandoned = record.abandoned == true
            self.people += 1
            if wasAbandoned { abandoned += 1 } else { connected += 1 }
            if record.reasonCode == .transferred { transferred += 1 }
            if record.reasonCode == .agentDisconnected { agentDisconnected += 1 }
            if let ms = record.connectAnswerMs { answerMs.append(ms) }
            if let seconds = record.connectedSec { talk.append(seconds) }
            if record.disconnectTime >= now - window { last30Days.record(abandoned: wasAbandoned) }
            let day = record.disconnectTime / 86_400_000
            byDay[day, default: (0, 0)].people += 1
            if wasAbandoned { byDay[day, default: (0, 0)].abandoned += 1 }
        }
        answerMs.sort()
        medianAnswerMs = answerMs.isEmpty ? nil : answerMs[(answerMs.count - 1) / 2]
        averageConnectedSec = talk.isEmpty ? nil : talk.reduce(0, +) / Double(talk.count)
        let sortedDays = byDay.keys.sorted()
        days = sortedDays.map { day in
            let inWindow = sortedDays.filter { $0 > day - 30 && $0 <= day }.compactMap { byDay[$0] }
            let windowPeople = inWindow.reduce(0) { $0 + $1.people }
            let windowAbandoned = inWindow.reduce(0) { $0 + $1.abandoned }
            let counts = byDay[day] ?? (0, 0)
            return Day(date: String(Timestamp.iso8601(day * 86_400_000).prefix(10)), people: counts.people, abandoned: counts.abandoned,
                       rollingRate: windowPeople == 0 ? 0 : Double(windowAbandoned) / Double(windowPeople))
        }
    }
}
