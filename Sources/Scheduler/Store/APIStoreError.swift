/// Why an API write was refused; nothing was written.
public enum APIStoreError: Error, Sendable, Equatable {
    case campaignNotFound(String)
    case campaignCancelled(String)
    case onDNC(String)
    case callNotFound(Int64)
}
