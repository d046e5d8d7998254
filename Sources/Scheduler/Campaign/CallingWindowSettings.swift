/// `window`: the days and local hours in which a contact may be called.
public struct CallingWindowSettings: Sendable, Equatable, Codable {
    /// ISO weekdays, 1 = Monday … 7 = Sunday.
    public var days: [Int] = Array(1...7)
    /// Minutes after local midnight.
    public var start: Int = 8 * 60
    public var end: Int = 21 * 60
    /// Evaluate the window in this zone instead of each contact's own.
    public var timezone: String?
    /// Local dates (`YYYY-MM-DD`) on which the window stays shut (holidays); nil when none were given
    /// (optional so that settings stored before it existed still decode).
    public var exceptDates: [String]?

    public init() {}
}
