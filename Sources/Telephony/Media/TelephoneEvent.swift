/// An RFC 4733 telephone-event payload: a DTMF digit (events 0-15), its end bit and duration.
public struct TelephoneEvent: Sendable, Equatable {
    public var event: UInt8
    public var isEnd: Bool
    public var volume: UInt8
    public var duration: UInt16

    public init?(payload: [UInt8]) {
        self.init(bytes: payload)
    }

    public init?<Bytes: Collection<UInt8>>(bytes payload: Bytes) where Bytes.Index == Int {
        guard payload.count >= 4 else { return nil }
        let payload = Array(payload.prefix(4))
        event = payload[0]
        isEnd = payload[1] & 0x80 != 0
        volume = payload[1] & 0x3F
        duration = UInt16(payload[2]) << 8 | UInt16(payload[3])
    }

    /// RFC 4733 §3.2: events 0-9 are the digits, 10 `*`, 11 `#`, 12-15 `A`-`D`.
    public var digit: Character? {
        let digits = Array("0123456789*#ABCD")
        return Int(event) < digits.count ? digits[Int(event)] : nil
    }
}

/// Turns a telephone-event packet stream into digits, one per event however often it is repeated.
///
/// RFC 4733 §2.5.1: all packets of one event share its RTP timestamp, and the end packet is sent
/// three times; a digit is reported on the first packet of a new timestamp.
public struct DTMFReceiver: Sendable {
    private var lastTimestamp: UInt32?

    public init() {}

    public mutating func packetReceived(_ packet: RTPPacket) -> Character? {
        eventReceived(timestamp: packet.timestamp, payload: packet.payload)
    }

    /// One telephone-event payload with its packet's RTP timestamp; the digit when it is a new event.
    public mutating func eventReceived<Bytes: Collection<UInt8>>(timestamp: UInt32, payload: Bytes) -> Character? where Bytes.Index == Int {
        guard let event = TelephoneEvent(bytes: payload), let digit = event.digit else { return nil }
        if lastTimestamp == timestamp { return nil }
        lastTimestamp = timestamp
        return digit
    }
}
