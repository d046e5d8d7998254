/// Answers kept for their TTL (RFC 1035 §3.2.1), negative ones included (RFC 2308): a pure table
/// that is told the time, so tests run it on their own clock.
public struct DNSCache: Sendable {
    public struct Key: Hashable, Sendable {
        public var name: String
        public var type: DNSMessage.RecordType
    }

    private var entries: [Key: (records: [DNSMessage.Record], expires: Duration)] = [:]

    public init() {}

    /// The records of `name`/`type` still fresh at `now` (empty for a cached "no such record"); nil when not cached or expired.
    public mutating func lookup(_ name: String, _ type: DNSMessage.RecordType, at now: Duration) -> [DNSMessage.Record]? {
        let key = Key(name: name.lowercased(), type: type)
        guard let entry = entries[key] else { return nil }
        guard now < entry.expires else {
            entries[key] = nil
            return nil
        }
        return entry.records
    }

    /// Keeps `records` until the smallest of their TTLs (or `negativeTTL` when there are none) has passed.
    public mutating func insert(_ name: String, _ type: DNSMessage.RecordType, records: [DNSMessage.Record], negativeTTL: UInt32?, at now: Duration) {
        let ttl = records.map(\.ttl).min() ?? negativeTTL ?? 0
        guard ttl > 0 else { return }
        entries[Key(name: name.lowercased(), type: type)] = (records, now + .seconds(Int64(ttl)))
    }
}
