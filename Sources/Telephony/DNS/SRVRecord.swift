/// One SRV record's data (RFC 2782): where a service runs and in what order to try it.
public struct SRVRecord: Sendable, Equatable {
    public var priority: UInt16
    public var weight: UInt16
    public var port: UInt16
    /// The target host; "." (empty here) means the service is not offered at this name.
    public var target: String

    public init(priority: UInt16, weight: UInt16, port: UInt16, target: String) {
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target
    }

    /// RFC 2782 "Usage rules": lowest priority first; within a priority, a weighted random order
    /// (each pick's chance proportional to its weight, zero weights first so they have a small
    /// chance). `random(n)` returns a number in `0...n`; tests pass their own.
    public static func ordered(_ records: [SRVRecord], random: (UInt32) -> UInt32 = { UInt32.random(in: 0...$0) }) -> [SRVRecord] {
        // RFC 2782: a single record whose target is "." says the service is decidedly not available.
        let usable = records.filter { !$0.target.isEmpty && $0.target != "." }
        var result: [SRVRecord] = []
        for priority in Set(usable.map(\.priority)).sorted() {
            // Zero weights first, as the RFC's selection algorithm arranges them.
            let level = usable.filter { $0.priority == priority }
            var remaining = level.filter { $0.weight == 0 } + level.filter { $0.weight != 0 }
            while !remaining.isEmpty {
                let total = remaining.reduce(UInt32(0)) { $0 + UInt32($1.weight) }
                let pick = random(total)
                var running: UInt32 = 0
                let index = remaining.firstIndex { running += UInt32($0.weight); return running >= pick } ?? 0
                result.append(remaining.remove(at: index))
            }
        }
        return result
    }
}
