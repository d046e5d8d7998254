/// What a POST with an idempotency key came to.
public enum IdempotentOutcome<Value: Sendable>: Sendable {
    /// Done now; its response is recorded under the key.
    case done(Value, status: Int, body: String)
    /// The key was used before with the same request: its first response, nothing done.
    case replayed(status: Int, body: String)
    /// The key was used before with a different request: nothing done.
    case keyReused
}
