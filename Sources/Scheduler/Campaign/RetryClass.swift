/// The outcome classes a campaign may retry (DESIGN.md "Default retry classes").
public enum RetryClass: String, Sendable, Codable, CaseIterable {
    case busy
    case noAnswer = "no-answer"
    case unavailable
    case error
}
