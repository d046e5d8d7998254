/// Where the time zone(s) a contact is called in came from, strongest first.
public enum ZoneSource: String, Sendable, Codable, CaseIterable {
    /// The contact's own `timezone` (a CSV column or JSON field).
    case contact
    /// The number's prefix in the time-zone table (longest prefix; the whole country if only that is known).
    case number
    /// The campaign's `timezone` (or `window.timezone`).
    case campaign
    /// The configuration's default zone.
    case `default`
}
