/// The fixed RTP header (RFC 3550 §5.1) read in place from a received datagram: no copy of the
/// payload, which is `payloadStart..<payloadEnd` of the same bytes.
public struct RTPHeader: Sendable, Equatable {
    public var marker: Bool
    public var payloadType: UInt8
    public var sequenceNumber: UInt16
    public var timestamp: UInt32
    public var ssrc: UInt32
    public var payloadStart: Int
    public var payloadEnd: Int

    public var payloadCount: Int { payloadEnd - payloadStart }

    /// Parses the header of `bytes`: CSRCs and a header extension are skipped, padding removed.
    public init(parsing bytes: UnsafeRawBufferPointer) throws(RTPPacket.ParseError) {
        guard bytes.count >= 12 else { throw .tooShort }
        let first = bytes[0]
        let version = Int(first >> 6)
        guard version == 2 else { throw .badVersion(version) }
        let hasPadding = first & 0x20 != 0
        let hasExtension = first & 0x10 != 0
        let csrcCount = Int(first & 0x0F)
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
        payloadStart = start
        payloadEnd = end
    }

    /// Writes a 12-byte header (no CSRCs, no extension) at the start of `buffer`.
    public static func write(marker: Bool, payloadType: UInt8, sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32,
                             into buffer: UnsafeMutableRawBufferPointer) {
        buffer[0] = 0x80
        buffer[1] = (marker ? 0x80 : 0) | (payloadType & 0x7F)
        buffer[2] = UInt8(sequenceNumber >> 8)
        buffer[3] = UInt8(sequenceNumber & 0xFF)
        buffer.storeBytes(of: timestamp.bigEndian, toByteOffset: 4, as: UInt32.self)
        buffer.storeBytes(of: ssrc.bigEndian, toByteOffset: 8, as: UInt32.self)
    }
}
