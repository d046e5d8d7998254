/// A call as the API reports it (a contact row and its attempts).
public struct APICallRecord: Sendable {
    public var id: Int64
    public var campaignID: String
    public var target: String
    public var state: ContactState
    public var conversationID: String?
    public var attempts: Int
    public var nextAttemptAt: Int64?
    /// Finished attempts, oldest first.
    public var cdrs: [CDRRecord]
}
