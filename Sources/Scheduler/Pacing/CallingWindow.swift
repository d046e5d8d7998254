import Foundation

/// When contacts may be called: days of the week and local hours, in the contact's time zone
/// (daylight saving from Foundation's TimeZone).
public struct CallingWindow: Sendable, Equatable {
    public var settings: CallingWindowSettings

    public init(_ settings: CallingWindowSettings) {
        self.settings = settings
    }

    /// Whether `date` falls in the window in `timeZone`.
    public func isOpen(at date: Date, in timeZone: TimeZone) -> Bool {
        let calendar = Self.calendar(timeZone)
        let parts = calendar.dateComponents([.weekday, .hour, .minute], from: date)
        guard let weekday = parts.weekday, let hour = parts.hour, let minute = parts.minute else { return false }
        let isoDay = (weekday + 5) % 7 + 1  // Calendar: 1 = Sunday; ISO: 1 = Monday
        let minutes = hour * 60 + minute
        return settings.days.contains(isoDay) && minutes >= settings.start && minutes < settings.end
    }

    /// The first moment at or after `date` when the window is open in `timeZone` (within 8 days).
    public func nextOpening(after date: Date, in timeZone: TimeZone) -> Date? {
        if isOpen(at: date, in: timeZone) { return date }
        let calendar = Self.calendar(timeZone)
        let startOfDay = calendar.startOfDay(for: date)
        for offset in 0...8 {
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
