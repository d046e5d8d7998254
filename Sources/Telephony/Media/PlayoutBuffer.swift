/// The callee's audio on the call's own 20 ms clock.
///
/// RTP payloads are decoded into a ring of frames by their timestamps as they arrive, in whatever
/// order; every 20 ms the media tick takes the next frame out: audio, comfort noise (RFC 3389) or
/// missing (lost, late, or not sent at all under silence suppression). A missing frame is reported
/// as missing, never made up as silence, so the detector knows what it did not hear.
///
/// The first packet of a stream (and of a new SSRC) is placed `delayFrames` ahead of the tick, which
/// absorbs that much jitter. A stream that runs too far ahead or keeps arriving late (clock drift, a
/// restarted sender) is placed anew. Allocation-free after `init`, and noncopyable: its storage is
/// allocated once and written in place, with no copy-on-write checks per packet (it runs on the
/// call's loop for every packet of every call).
public struct PlayoutBuffer: ~Copyable {
    public static let frameSamples = 160

    public enum Frame: Sendable, Equatable {
        /// A frame of audio, in `frame`.
        case audio
        /// Comfort noise at this level (−dBov, 0-127): silence, at that level.
        case comfortNoise(levelDBov: Int)
        /// Nothing came for this frame.
        case missing
    }

    public struct Counters: Sendable, Equatable {
        public var packets = 0
        public var late = 0
        public var missingFrames = 0
        public var resyncs = 0
    }

    public let capacity: Int
    public let delayFrames: Int
    public private(set) var counters = Counters()
    /// Decoded samples, `capacity` frames of 160.
    private let ring: UnsafeMutableBufferPointer<Int16>
    /// Samples written per frame slot.
    private let filled: UnsafeMutableBufferPointer<UInt8>
    /// Comfort-noise level per frame slot (−1: none).
    private let noise: UnsafeMutableBufferPointer<Int8>
    /// The samples of the last `.audio` frame taken.
    private let output: UnsafeMutableBufferPointer<Int16>
    private var ssrc: UInt32?
    private var lastTimestamp: UInt32 = 0
    private var lastExtended: Int64 = 0
    /// Sample position of extended timestamp 0 of the current stream.
    private var origin: Int64 = 0
    /// The frame the next tick takes.
    private var nextFrame: Int64 = 0
    private var lateRun = 0
    /// Under comfort noise (DTX) until audio comes back.
    private var noiseLevel: Int?

    /// - Parameters:
    ///   - capacity: frames held ahead of the tick (16: 320 ms).
    ///   - delayFrames: frames between a stream's first packet and its playout (2: 40-60 ms).
    public init(capacity: Int = 16, delayFrames: Int = 2) {
        self.capacity = max(capacity, delayFrames + 2)
        self.delayFrames = delayFrames
        ring = .allocate(capacity: self.capacity * Self.frameSamples)
        ring.initialize(repeating: 0)
        filled = .allocate(capacity: self.capacity)
        filled.initialize(repeating: 0)
        noise = .allocate(capacity: self.capacity)
        noise.initialize(repeating: -1)
        output = .allocate(capacity: Self.frameSamples)
        output.initialize(repeating: 0)
    }

    deinit {
        ring.deallocate()
        filled.deallocate()
        noise.deallocate()
        output.deallocate()
    }

    /// The samples of the last `.audio` frame taken (valid until the next `take`).
    public var frame: UnsafeBufferPointer<Int16> { UnsafeBufferPointer(output) }

    /// Whether any packet has come yet.
    public var hasStarted: Bool { ssrc != nil }

    /// Stores one G.711 payload (one byte a sample) at its timestamp.
    public mutating func audioReceived(_ header: RTPHeader, payload: UnsafeRawBufferPointer, law: G711.Law) {
        counters.packets += 1
        noiseLevel = nil
        var first = position(of: header)
        let windowStart = nextFrame * Int64(Self.frameSamples)
        var windowEnd = (nextFrame + Int64(capacity)) * Int64(Self.frameSamples)
        if first + Int64(payload.count) <= windowStart {
            counters.late += 1
            lateRun += 1
            guard lateRun >= 4 else { return }
            // Always late: the sender's clock is behind ours, or it restarted. Start again from here.
            first = resync(header)
            windowEnd = (nextFrame + Int64(capacity)) * Int64(Self.frameSamples)
        } else if first >= windowEnd {
            first = resync(header)
        }
        lateRun = 0
        let start = max(first, windowStart)
        let end = min(first + Int64(payload.count), windowEnd)
        guard start < end else { return }
        let frameSamples = Int64(Self.frameSamples)
        let decode = law == .muLaw ? G711.muLawTable : G711.aLawTable
        // Frame by frame: a run of samples into one slot, then its count once.
        var position = start
        while position < end {
            let frameIndex = position / frameSamples
            let runEnd = min(end, (frameIndex + 1) * frameSamples)
            let slot = Int(frameIndex % Int64(capacity))
            let base = slot * Self.frameSamples - Int(frameIndex * frameSamples)
            var index = Int(position - first)
            for sample in Int(position)..<Int(runEnd) {
                ring[base + sample] = decode[Int(payload[index])]
                index += 1
            }
            filled[slot] = UInt8(min(255, Int(filled[slot]) + Int(runEnd - position)))
            position = runEnd
        }
    }

    /// RFC 3389 comfort noise: the frame it stands for, and what follows until audio returns, is
    /// silence at its level (the payload's first byte, −dBov).
    public mutating func comfortNoiseReceived(_ header: RTPHeader, payload: UnsafeRawBufferPointer) {
        counters.packets += 1
        let level = payload.isEmpty ? 127 : Int(payload[0] & 0x7F)
        noiseLevel = level
        let frameIndex = position(of: header) / Int64(Self.frameSamples)
        if frameIndex >= nextFrame, frameIndex < nextFrame + Int64(capacity) {
            noise[Int(frameIndex % Int64(capacity))] = Int8(level)
        }
    }

    /// Takes the frame due now (one call per 20 ms tick).
    public mutating func take() -> Frame {
        let slot = Int(nextFrame % Int64(capacity))
        nextFrame += 1
        let start = slot * Self.frameSamples
        let count = filled[slot]
        let level = noise[slot]
        filled[slot] = 0
        noise[slot] = -1
        if count >= UInt8(Self.frameSamples / 2) {
            for index in 0..<Self.frameSamples {
                output[index] = ring[start + index]
                ring[start + index] = 0
            }
            return .audio
        }
        if count > 0 {
            // Too little of it to hear: dropped, and the slot cleared for its next turn.
            for index in 0..<Self.frameSamples { ring[start + index] = 0 }
        }
        if level >= 0 { return .comfortNoise(levelDBov: Int(level)) }
        if let noiseLevel { return .comfortNoise(levelDBov: noiseLevel) }
        if hasStarted { counters.missingFrames += 1 }
        return .missing
    }

    /// The sample position of the packet's first sample (a new SSRC starts a new stream).
    private mutating func position(of header: RTPHeader) -> Int64 {
        guard ssrc == header.ssrc else { return resync(header) }
        // Timestamps wrap every 6 days at 8 kHz: extend them around the last one seen (RFC 3550 A.1).
        let extended = lastExtended + Int64(Int32(bitPattern: header.timestamp &- lastTimestamp))
        if extended > lastExtended {
            lastExtended = extended
            lastTimestamp = header.timestamp
        }
        return extended + origin
    }

    /// Places `header`'s packet `delayFrames` ahead of the tick, forgetting what was held.
    private mutating func resync(_ header: RTPHeader) -> Int64 {
        if ssrc != nil { counters.resyncs += 1 }
        ssrc = header.ssrc
        lastTimestamp = header.timestamp
        lastExtended = 0
        origin = (nextFrame + Int64(delayFrames)) * Int64(Self.frameSamples)
        lateRun = 0
        filled.update(repeating: 0)
        noise.update(repeating: -1)
        ring.update(repeating: 0)
        return origin
    }
}
