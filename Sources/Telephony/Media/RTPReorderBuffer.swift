/// Puts one RTP stream's audio packets back in order without a playout clock.
///
/// Packets are keyed by extended sequence number (RFC 3550 Appendix A.1: wraps counted). A packet
/// that arrives early waits until the missing ones come or `depth` later packets are held; then
/// each missing packet becomes silence of the length its timestamps say, so the audio keeps its
/// timing. Late and duplicate packets are dropped; a jump of more than `maxGap` packets is a new
/// stream start, not a gap to fill.
public struct RTPReorderBuffer: Sendable {
    public struct Counters: Sendable, Equatable {
        public var received = 0
        public var reordered = 0
        public var lost = 0
        public var lateOrDuplicate = 0
    }

    public let depth: Int
    public let maxGap: Int
    public private(set) var counters = Counters()
    private var expected: Int64?
    private var expectedTimestamp: UInt32 = 0
    private var highest: Int64 = 0
    private var pending: [Int64: RTPPacket] = [:]

    public init(depth: Int = 3, maxGap: Int = 100) {
        self.depth = depth
        self.maxGap = maxGap
    }

    /// What to play: a packet's payload, or silence of `samples` length for a packet lost.
    public enum Output: Sendable, Equatable {
        case packet(RTPPacket)
        case silence(samples: Int)
    }

    public mutating func push(_ packet: RTPPacket) -> [Output] {
        counters.received += 1
        guard let next = expected else {
            let extended = Int64(packet.sequenceNumber)
            highest = extended
            expected = extended + 1
            expectedTimestamp = packet.timestamp &+ UInt32(packet.payload.count)
            return [.packet(packet)]
        }
        let extended = extend(packet.sequenceNumber)
        if extended < next || pending[extended] != nil {
            counters.lateOrDuplicate += 1
            return []
        }
        if extended - next > Int64(maxGap) {
            // A restarted sender: forget what was waiting and follow the new numbering.
            var out = flushAll()
            pending.removeAll()
            highest = extended
            expected = extended + 1
            expectedTimestamp = packet.timestamp &+ UInt32(packet.payload.count)
            out.append(.packet(packet))
            return out
        }
        highest = max(highest, extended)
        if extended != next { counters.reordered += 1 }
        pending[extended] = packet
        return drain(force: false)
    }

    /// Emits everything held, filling the holes: the stream has ended.
    public mutating func flushAll() -> [Output] {
        drain(force: true)
    }

    private mutating func drain(force: Bool) -> [Output] {
        var out: [Output] = []
        while var next = expected, !pending.isEmpty {
            if let packet = pending.removeValue(forKey: next) {
                out.append(.packet(packet))
                expectedTimestamp = packet.timestamp &+ UInt32(packet.payload.count)
                next += 1
                expected = next
                continue
            }
            guard force || pending.count > depth else { break }
            // Give up on the hole: silence until the first packet we do have.
            let first = pending.keys.min() ?? next
            let missing = Int(first - next)
            counters.lost += missing
            let firstPacket = pending[first]
            let gapSamples = firstPacket.map { Int(Int32(bitPattern: $0.timestamp &- expectedTimestamp)) } ?? 160 * missing
            out.append(.silence(samples: gapSamples > 0 && gapSamples <= 160 * maxGap ? gapSamples : 160 * missing))
            expected = first
        }
        return out
    }

    /// RFC 3550 Appendix A.1: the 16-bit number nearest the highest seen, counting wraps.
    private func extend(_ sequence: UInt16) -> Int64 {
        let cycles = highest & ~0xFFFF
        var candidate = cycles | Int64(sequence)
        if candidate - highest > 0x8000 { candidate -= 0x10000 } else if highest - candidate > 0x8000 { candidate += 0x10000 }
        return candidate
    }
}
