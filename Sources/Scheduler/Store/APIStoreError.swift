/// Why an API write was refused; nothing was written.
public enum APIStoreError: Error, Sendable, Equatable {
    case campaignNotFound(String)
    case campaignCancelled(String)
    case onDNC(String)
    case callNotFound(Int64)
    /// The campaign has `limit` calls of a drop-in endpoint in progress (`APICallSubmission.concurrencyLimit`).
    case tooManyCalls(campaign: String, limit: Int)
}
