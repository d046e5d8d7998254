/// ITU-T G.711 companding between 16-bit linear PCM and 8-bit μ-law (PCMU) or A-law (PCMA).
///
/// The 16-bit values are G.711's 14-bit (μ-law) and 13-bit (A-law) quantized values scaled by 4
/// and 8, so μ-law decodes to ±32124 at most and A-law to ±32256, as in ITU-T G.191's reference code.
public enum G711 {
    public enum Law: String, Sendable, Equatable {
        case muLaw
        case aLaw

        /// The static RTP payload type (RFC 3551): 0 for PCMU, 8 for PCMA.
        public var payloadType: UInt8 { self == .muLaw ? 0 : 8 }

        public init?(payloadType: Int) {
            switch payloadType {
            case 0: self = .muLaw
            case 8: self = .aLaw
            default: return nil
            }
        }

        public func decode(_ byte: UInt8) -> Int16 {
            self == .muLaw ? G711.muLawToLinear[Int(byte)] : G711.aLawToLinear[Int(byte)]
        }

        public func encode(_ sample: Int16) -> UInt8 {
            self == .muLaw ? G711.muLaw(sample) : G711.aLaw(sample)
        }
    }

    public static let muLawToLinear: [Int16] = (0...255).map { muLawDecode(UInt8($0)) }
    public static let aLawToLinear: [Int16] = (0...255).map { aLawDecode(UInt8($0)) }
    /// The same tables in memory that is never freed or copied, for the per-packet decode loop.
    nonisolated(unsafe) static let muLawTable = UnsafeBufferPointer(copying: muLawToLinear)  // read-only after creation
    nonisolated(unsafe) static let aLawTable = UnsafeBufferPointer(copying: aLawToLinear)  // read-only after creation

    /// G.711 Table 2: segment s, step m → ((2m + 33) · 2^s − 33) in 14-bit units; code words are sent inverted.
    static func muLawDecode(_ byte: UInt8) -> Int16 {
        let code = ~byte
        let segment = Int((code >> 4) & 0x07)
        let step = Int(code & 0x0F)
        let magnitude = (((step << 3) + 0x84) << segment) - 0x84
        return Int16(code & 0x80 != 0 ? -magnitude : magnitude)
    }

    /// G.711 Table 1: segment 0 → 2m + 1, segment s ≥ 1 → (2m + 33) · 2^(s−1), in 13-bit units;
    /// even bits are inverted on the line (XOR 0x55) and a set sign bit means positive.
    static func aLawDecode(_ byte: UInt8) -> Int16 {
        let code = byte ^ 0x55
        let segment = Int((code >> 4) & 0x07)
        let step = Int(code & 0x0F)
        let magnitude = segment == 0 ? (step << 4) + 8 : ((step << 4) + 0x108) << (segment - 1)
        return Int16(code & 0x80 != 0 ? magnitude : -magnitude)
    }

    /// Encodes as ITU-T G.191's reference does: to 14 bits, bias 33, find the segment, invert.
    public static func muLaw(_ sample: Int16) -> UInt8 {
        var value = Int(sample) >> 2
        let mask: UInt8
        if value < 0 {
            value = -value
            mask = 0x7F
        } else {
            mask = 0xFF
        }
        value = min(value, 8159) + 0x21
        var segment = 0
        while segment <= 7, value > ((0x40 << segment) - 1) { segment += 1 }
        if segment >= 8 { return 0x7F ^ mask }
        return (UInt8(segment << 4) | UInt8((value >> (segment + 1)) & 0x0F)) ^ mask
    }

    /// Encodes as ITU-T G.191's reference does: to 13 bits, ones' complement for negatives, segment, XOR 0x55.
    public static func aLaw(_ sample: Int16) -> UInt8 {
        var value = Int(sample) >> 3
        let mask: UInt8
        if value >= 0 {
            mask = 0xD5
        } else {
            mask = 0x55
            value = -value - 1
        }
        var segment = 0
        while segment <= 7, value > ((0x20 << segment) - 1) { segment += 1 }
        if segment >= 8 { return 0x7F ^ mask }
        let step = segment < 2 ? (value >> 1) & 0x0F : (value >> segment) & 0x0F
        return UInt8(segment << 4 | step) ^ mask
    }
}

extension UnsafeBufferPointer {
    /// A new allocation holding `elements`, never freed (for process-lifetime tables).
    init(copying elements: [Element]) {
        let buffer = UnsafeMutableBufferPointer<Element>.allocate(capacity: elements.count)
        _ = buffer.initialize(from: elements)
        self.init(buffer)
    }
}
