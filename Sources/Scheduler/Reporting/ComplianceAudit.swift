import Foundation

/// `campaignd report --compliance`: every attempt checked again, after the fact, against the calling
/// policy: was each started while the campaign's window and every applicable rule were open in each
/// of the number's zones, and how many attempts did one number get in one of its local days, against
/// its cap. It should always find nothing outside and nobody over.
public struct ComplianceAudit: Sendable {
    /// One attempt as the store has it.
    public struct Attempt: Sendable {
        public var campaignID: String
        public var attempt: Int
        public var target: String
        /// The contact's own `timezone`.
        public var contactZone: String?
        /// Unix ms.
        public var startTime: Int64
        public var settings: CampaignSettings
        /// In the audited campaign (others' attempts only count towards the number's daily total).
        public var audited: Bool

        public init(campaignID: String, attempt: Int, target: String, contactZone: String?, startTime: Int64,
                    settings: CampaignSettings, audited: Bool = true) {
            self.campaignID = campaignID
            self.attempt = attempt
            self.target = target
            self.contactZone = contactZone
            self.startTime = startTime
            self.settings = settings
            self.audited = audited
        }
    }

    /// An attempt started while a window was shut in one of the number's zones.
    public struct Outside: Sendable, Equatable {
        public var campaignID: String
        public var attempt: Int
        public var target: String
        public var startTime: Int64
        /// The zones (with the local time) where a window was shut, and whose window: `campaign` or the rule's name.
        public var closedIn: [String]
    }

    /// One number's attempts in one of its local days, when over its cap.
    public struct OverCap: Sendable, Equatable {
        public var target: String
        /// The local date, `YYYY-MM-DD`, in the number's first zone.
        public var day: String
        public var attempts: Int
        public var cap: Int
    }

    public var scope: String?
    public var attemptsChecked = 0
    public var outside: [Outside] = []
    /// The most attempts one number had in one local day (every campaign together).
    public var maxAttemptsPerNumberPerDay = 0
    /// The configuration's cap (`limits.maxAttemptsPerNumberPerDay`); rules may set lower ones.
    public var cap: Int?
    public var overCap: [OverCap] = []

    public init(_ attempts: [Attempt], policy: CallingPolicy, scope: String? = nil) {
        self.scope = scope
        cap = policy.maxAttemptsPerNumberPerDay
        var perDay: [String: (target: String, day: String, count: Int, cap: Int?)] = [:]
        var contacts: [String: CallingPolicy.Contact] = [:]
        for attempt in attempts {
            let key = attempt.campaignID + "\u{0}" + attempt.target + "\u{0}" + (attempt.contactZone ?? "")
            let contact = contacts[key] ?? policy.contact(target: attempt.target, contactZone: attempt.contactZone, settings: attempt.settings)
            contacts[key] = contact
            let start = Date(timeIntervalSince1970: Double(attempt.startTime) / 1000)
            let day = Self.localDate(start, in: contact.dayZone)
            perDay[attempt.target + " " + day, default: (attempt.target, day, 0, contact.dailyCap)].count += 1
            guard attempt.audited else { continue }
            attemptsChecked += 1
            let closed = contact.windows.filter { !$0.window.isOpen(at: start, in: $0.zone) }
            if !closed.isEmpty {
                outside.append(Outside(
                    campaignID: attempt.campaignID, attempt: attempt.attempt, target: attempt.target, startTime: attempt.startTime,
                    closedIn: closed.map { "\($0.rule.map { "rule " + $0 } ?? "campaign window") in \($0.zone.identifier) at \(Self.localTime(start, in: $0.zone))" }))
            }
        }
        maxAttemptsPerNumberPerDay = perDay.values.map(\.count).max() ?? 0
        overCap = perDay.values.compactMap { entry in
            guard let cap = entry.cap, entry.count > cap else { return nil }
            return OverCap(target: entry.target, day: entry.day, attempts: entry.count, cap: cap)
        }.sorted { ($0.day, $0.target) < ($1.day, $1.target) }
        outside.sort { ($0.startTime, $0.target) < ($1.startTime, $1.target) }
    }

    static func localDate(_ date: Date, in zone: TimeZone) -> String {
        let parts = calendar(zone).dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    static func localTime(_ date: Date, in zone: TimeZone) -> String {
        let parts = calendar(zone).dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0, parts.minute ?? 0)
    }

    private static func calendar(_ zone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar
    }
}
