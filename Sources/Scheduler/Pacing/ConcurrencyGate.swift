/// Counts calls in progress against a limit (`maxConcurrentCalls`; 0 means unlimited) and gives
/// back slots whose call never reported an end after `expiry` (`concurrentCallsExpirationSeconds`).
public struct ConcurrencyGate<C: Clock, Key: Hashable & Sendable>: Sendable where C.Duration == Duration, C.Instant: Sendable {
    public let limit: Int
    public let expiry: Duration
    private var slots: [Key: C.Instant] = [:]

    public init(limit: Int, expiry: Duration) {
        self.limit = limit
        self.expiry = expiry
    }

    public var inUse: Int { slots.count }
    public var hasRoom: Bool { limit == 0 || slots.count < limit }

    /// Takes a slot for `key`; false if the gate is full.
    public mutating func acquire(_ key: Key, now: C.Instant) -> Bool {
        guard hasRoom else { return false }
        slots[key] = now
        return true
    }

    public mutating func release(_ key: Key) {
        slots[key] = nil
    }

    /// Frees and returns the slots held longer than `expiry`.
    public mutating func reclaimExpired(now: C.Instant) -> [Key] {
        let expired = slots.filter { $0.value.advanced(by: expiry) <= now }.map(\.key)
        for key in expired { slots[key] = nil }
        return expired
    }
}
