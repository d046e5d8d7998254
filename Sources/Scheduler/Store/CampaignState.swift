/// A campaign's state: dialed, held, or given up for good; or still being created by its first
/// import, and seen by nothing but the import until that is committed.
public enum CampaignState: String, Sendable, Codable {
    case active, paused, cancelled, importing
}
