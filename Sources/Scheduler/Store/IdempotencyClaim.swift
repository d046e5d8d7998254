/// An `Idempotency-Key` on a POST: the key, the API key that sent it, and a hash of the request.
public struct IdempotencyClaim: Sendable {
    public var apiKey: String
    public var key: String
    public var requestHash: String

    public init(apiKey: String, key: String, requestHash: String) {
        self.apiKey = apiKey
        self.key = key
        self.requestHash = requestHash
    }

    /// How long a key's first response is replayed.
    public static let lifetimeMs: Int64 = 86_400_000
}
