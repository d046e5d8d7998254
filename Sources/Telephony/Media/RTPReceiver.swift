/// Turns one call's incoming RTP datagrams into audio samples and DTMF digits.
///
/// Symmetric RTP (RFC 4961): the first packet from the callee's stream fixes where our own RTP goes,
/// which may differ from the SDP address behind a NAT. Packets from other sources are ignored
/// after that, as are payload types we did not agree on.
public struct RTPReceiver: Sendable {
    public enum Output: Sendable, Equatable {
        case audio([Int16])
        case digit(Character)
        /// The callee's stream really comes from here; send to it.
        case latched(host: String, port: Int)
    }

    public struct Counters: Sendable, Equatable {
        public var packets = 0
        public var ignored = 0
    }

    private let law: G711.Law
    private let telephoneEventType: UInt8?
    private var reorder = RTPReorderBuffer()
    private var dtmf = DTMFReceiver()
    private var source: (host: String, port: Int, ssrc: UInt32)?
    public private(set) var counters = Counters()

    public init(answer: SDPAnswer) {
        law = answer.law
        telephoneEventType = answer.telephoneEventPayloadType
    }

    public mutating func datagramReceived(_ bytes: [UInt8], host: String, port: Int) -> [Output] {
        guard let packet = try? RTPPacket(parsing: bytes) else {
            counters.ignored += 1
            return []
        }
        var outputs: [Output] = []
        if let source {
            guard source.host == host, source.port == port else {
                counters.ignored += 1
                return []
            }
            if source.ssrc != packet.ssrc {
                // A new SSRC from the same place (a re-INVITE, a transfer): a new stream.
                outputs += reorder.flushAll().map(decode)
                reorder = RTPReorderBuffer()
                self.source = (host, port, packet.ssrc)
            }
        } else {
            source = (host, port, packet.ssrc)
            outputs.append(.latched(host: host, port: port))
        }
        counters.packets += 1
        if let telephoneEventType, packet.payloadType == telephoneEventType {
            if let digit = dtmf.packetReceived(packet) { outputs.append(.digit(digit)) }
            return outputs
        }
        guard packet.payloadType == law.payloadType else {
            counters.ignored += 1
            return outputs
        }
        outputs += reorder.push(packet).map(decode)
        return outputs
    }

    private func decode(_ output: RTPReorderBuffer.Output) -> Output {
        switch output {
        case .packet(let packet): .audio(packet.payload.map { law.decode($0) })
        case .silence(let samples): .audio([Int16](repeating: 0, count: samples))
        }
    }
}
