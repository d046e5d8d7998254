/// An RTP packet (RFC 3550 §5.1): the fixed header, CSRCs and header extension skipped, padding removed.
public struct RTPPacket: Sendable, Equatable {
    public var marker: Bool
    public var payloadType: UInt8
    public var sequenceNumber: UInt16
    public var timestamp: UInt32
    public var ssrc: UInt32
    public var payload: [UInt8]

    public init(marker: Bool = false, payloadType: UInt8, sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32, payload: [UInt8]) {
        self.marker = marker
        self.payloadType = payloadType
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
        self.payload = payload
    }

    public enum ParseError: Error, Sendable, Equatable {
        case tooShort
        case badVersion(Int)
        case badPadding
        case truncatedHeader
    }

    public init(parsing bytes: [UInt8]) throws(ParseError) {
        guard bytes.count >= 12 else { throw .tooShort }
        let version = Int(bytes[0] >> 6)
        guard version == 2 else { throw .badVersion(version) }
        let hasPadding = bytes[0] & 0x20 != 0
        let hasExtension = bytes[0] & 0x10 != 0
        let csrcCount = Int(bytes[0] & 0x0F)
        marker = bytes[1] & 0x80 != 0
        payloadType = bytes[1] & 0x7F
        sequenceNumber = UInt16(bytes[2]) << 8 | UInt16(bytes[3])
        timestamp = UInt32(bytes[4]) << 24 | UInt32(bytes[5]) << 16 | UInt32(bytes[6]) << 8 | UInt32(bytes[7])
        ssrc = UInt32(bytes[8]) << 24 | UInt32(bytes[9]) << 16 | UInt32(bytes[10]) << 8 | UInt32(bytes[11])
        var start = 12 + 4 * csrcCount
        guard start <= bytes.count else { throw .truncatedHeader }
        if hasExtension {
            // RFC 3550 §5.3.1: 16-bit profile field, 16-bit length in 32-bit words.
            guard start + 4 <= bytes.count else { throw .truncatedHeader }
            start += 4 + 4 * (Int(bytes[start + 2]) << 8 | Int(bytes[start + 3]))
            guard start <= bytes.count else { throw .truncatedHeader }
        }
        var end = bytes.count
        if hasPadding {
            let padding = Int(bytes[bytes.count - 1])
            guard padding >= 1, end - padding >= start else { throw .badPadding }
            end -= padding
        }
        payload = Array(bytes[start..<end])
    }

    public var serialized: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(12 + payload.count)
        out.append(0x80)
        out.append((marker ? 0x80 : 0) | (payloadType & 0x7F))
        out.append(UInt8(sequenceNumber >> 8))
        out.append(UInt8(sequenceNumber & 0xFF))
        for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8((timestamp >> UInt32(shift)) & 0xFF)) }
        for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8((ssrc >> UInt32(shift)) & 0xFF)) }
        out += payload
        return out
    }
}
