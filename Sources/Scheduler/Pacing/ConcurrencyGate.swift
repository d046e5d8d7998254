/// Counts calls in progress against a limit (`maxConcurrentCalls`; 0 means unlimited) and gives
/// back slots whose call never reported an end after `expiry` (`concurrentCallsExpirationSeconds`).
public struct ConcurrencyGate<C: Clock, Key: Hashable & Sendable>: Sendable where C.Duration == Duration, C.Instant: Sendable {
    public let limit: Int
    public let expiry: Duration
    private var slots: [Key: C.Instant] = [:]
    /// Slots in the order they were taken, so expiry looks only at the oldest (amortised O(1) a call);
    /// entries whose slot was released since are skipped when reached.
    private var order: [(key: Key, at: C.Instant)] = []
    private var oldest = 0

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
        order.append((key, now))
        return true
    }

    public mutating func release(_ key: Key) {
        slots[key] = nil
    }

    /// When the oldest slot held expires (nil: none held). Skips entries released since.
    public mutating func nextExpiry() -> C.Instant? {
        while oldest < order.count {
            let entry = order[oldest]
            if slots[entry.key] == entry.at { return entry.at.advanced(by: expiry) }
            oldest += 1
        }
        return nil
    }

    /// Frees and returns the slots held longer than `expiry`.
    public mutating func reclaimExpired(now: C.Instant) -> [Key] {
        var expired: [Key] = []
        while oldest < order.count {
            let entry = order[oldest]
            if slots[entry.key] == entry.at {
                guard entry.at.advanced(by: expiry) <= now else { break }
                slots[entry.key] = nil
                expired.append(entry.key)
            }
            oldest += 1
        }
        if oldest > 1024, oldest * 2 > order.count {
            order.removeFirst(oldest)
            oldest = 0
        }
        return expired
    }
}
