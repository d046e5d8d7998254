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
        let parsed = bytes.withUnsafeBytes { raw in Result { () throws(ParseError) in try RTPHeader(parsing: raw) } }
        let header = try parsed.get()
        marker = header.marker
        payloadType = header.payloadType
        sequenceNumber = header.sequenceNumber
        timestamp = header.timestamp
        ssrc = header.ssrc
        payload = Array(bytes[header.payloadStart..<header.payloadEnd])
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
