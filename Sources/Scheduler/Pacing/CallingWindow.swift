import Foundation

/// When contacts may be called: days of the week and local hours, in the contact's time zone
/// (daylight saving from Foundation's TimeZone).
public struct CallingWindow: Sendable, Equatable {
    public var settings: CallingWindowSettings
    /// `exceptDates` as `year * 10000 + month * 100 + day`.
    private let quietDays: Set<Int>

    public init(_ settings: CallingWindowSettings) {
        self.settings = settings
        quietDays = Set((settings.exceptDates ?? []).compactMap(Self.dayNumber))
    }

    /// Open at every moment in every zone (every day 00:00-24:00, no quiet dates): nothing to check.
    public var isAlwaysOpen: Bool {
        settings.start == 0 && settings.end >= 24 * 60 && Set(settings.days) == Set(1...7) && quietDays.isEmpty
    }

    /// `YYYY-MM-DD` as `year * 10000 + month * 100 + day`; nil if it is not a real date.
    public static func dayNumber(_ text: String) -> Int? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        // 2026-02-30 is not a date: Calendar would roll it over to March.
        guard let date = calendar.date(from: DateComponents(year: year, month: month, day: day)),
              calendar.component(.day, from: date) == day else { return nil }
        return year * 10000 + month * 100 + day
    }

    /// Whether `date` falls in the window in `timeZone`.
    public func isOpen(at date: Date, in timeZone: TimeZone) -> Bool {
        let calendar = Self.calendar(timeZone)
        let parts = calendar.dateComponents([.year, .month, .day, .weekday, .hour, .minute], from: date)
        guard let weekday = parts.weekday, let hour = parts.hour, let minute = parts.minute else { return false }
        let isoDay = (weekday + 5) % 7 + 1  // Calendar: 1 = Sunday; ISO: 1 = Monday
        let minutes = hour * 60 + minute
        guard settings.days.contains(isoDay), minutes >= settings.start, minutes < settings.end else { return false }
        guard !quietDays.isEmpty, let year = parts.year, let month = parts.month, let day = parts.day else { return true }
        return !quietDays.contains(year * 10000 + month * 100 + day)
    }

    /// The first moment at or after `date` when the window is open in `timeZone` (within 40 days, so
    /// that a run of quiet dates is stepped over).
    public func nextOpening(after date: Date, in timeZone: TimeZone) -> Date? {
        if isOpen(at: date, in: timeZone) { return date }
        let calendar = Self.calendar(timeZone)
        let startOfDay = calendar.startOfDay(for: date)
        for offset in 0...40 {
            guard let day = calendar.date(byAdding: .day, value: offset, to: startOfDay) else { continue }
            // Local wall-clock start; across a DST change Calendar resolves it to the real instant.
            var parts = calendar.dateComponents([.year, .month, .day], from: day)
            parts.hour = settings.start / 60
            parts.minute = settings.start % 60
            guard let opening = calendar.date(from: parts), opening >= date else { continue }
            if isOpen(at: opening, in: timeZone) { return opening }
        }
        return nil
    }

    private static func calendar(_ timeZone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }
}
