/// A campaign's state: dialed, held, or given up for good.
public enum CampaignState: String, Sendable, Codable {
    case active, paused, cancelled
}
