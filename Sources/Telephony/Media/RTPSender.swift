/// Numbers our outgoing RTP packets (RFC 3550 §5.1): a random SSRC and random starting sequence
/// number and timestamp; the timestamp advances by the samples sent, and the marker bit flags the
/// first packet after a silence (the start of each prompt).
public struct RTPSender: Sendable {
    public let ssrc: UInt32
    public let payloadType: UInt8
    private var sequenceNumber: UInt16
    private var timestamp: UInt32
    private var talking = false

    public init(payloadType: UInt8) {
        var generator = SystemRandomNumberGenerator()
        self.payloadType = payloadType
        ssrc = UInt32.random(in: 1...UInt32.max, using: &generator)
        sequenceNumber = UInt16.random(in: 0...UInt16.max, using: &generator)
        timestamp = UInt32.random(in: 0...UInt32.max, using: &generator)
    }

    public mutating func packet(payload: [UInt8]) -> RTPPacket {
        let packet = RTPPacket(marker: !talking, payloadType: payloadType, sequenceNumber: sequenceNumber, timestamp: timestamp,
                               ssrc: ssrc, payload: payload)
        talking = true
        sequenceNumber &+= 1
        timestamp &+= UInt32(payload.count)
        return packet
    }

    /// Nothing is sent for `samples` (between prompts): the timestamp still moves on.
    public mutating func paused(samples: Int) {
        talking = false
        timestamp &+= UInt32(samples)
    }
}
