import Testing
@testable import Telephony

@Suite struct RTPPacketTests {
    @Test func serializesAndParsesTheFixedHeader() throws {
        let packet = RTPPacket(marker: true, payloadType: 8, sequenceNumber: 0xBEEF, timestamp: 0xDEADBEEF, ssrc: 0x01020304,
                               payload: [1, 2, 3])
        let bytes = packet.serialized
        #expect(bytes.prefix(12) == [0x80, 0x88, 0xBE, 0xEF, 0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x02, 0x03, 0x04])
        #expect(try RTPPacket(parsing: bytes) == packet)
    }

    @Test func skipsCSRCsAndExtensionAndRemovesPadding() throws {
        var bytes: [UInt8] = [0xB1, 0x00, 0x00, 0x01, 0, 0, 0, 160, 0, 0, 0, 9]  // V=2, P, X, CC=1
        bytes += [0, 0, 0, 7]  // CSRC
        bytes += [0xBE, 0xDE, 0x00, 0x01, 1, 2, 3, 4]  // one-word extension
        bytes += [0xAA, 0xBB] + [0, 0, 3]  // payload, then 3 bytes of padding
        let packet = try RTPPacket(parsing: bytes)
        #expect(packet.payload == [0xAA, 0xBB])
        #expect(packet.timestamp == 160)
        #expect(packet.ssrc == 9)
    }

    @Test func rejectsWhatIsNotRTP() {
        #expect(throws: RTPPacket.ParseError.tooShort) { try RTPPacket(parsing: [0x80, 0]) }
        #expect(throws: RTPPacket.ParseError.badVersion(1)) { try RTPPacket(parsing: [0x40] + [UInt8](repeating: 0, count: 11)) }
        #expect(throws: RTPPacket.ParseError.truncatedHeader) { try RTPPacket(parsing: [0x8F] + [UInt8](repeating: 0, count: 11)) }
        #expect(throws: RTPPacket.ParseError.badPadding) { try RTPPacket(parsing: [0xA0] + [UInt8](repeating: 0, count: 11) + [40]) }
    }
}

@Suite struct PlayoutBufferTests {
    /// A PCMU packet whose 160 samples all encode `level` (so each frame can be told apart).
    func receive(_ buffer: inout PlayoutBuffer, _ sequence: UInt16, timestamp: UInt32? = nil, ssrc: UInt32 = 1, level: Int16? = nil) {
        let sample = level ?? Int16(sequence % 100) * 100 + 100
        let packet = RTPPacket(payloadType: 0, sequenceNumber: sequence, timestamp: timestamp ?? UInt32(sequence) &* 160,
                               ssrc: ssrc, payload: [UInt8](repeating: G711.muLaw(sample), count: 160))
        let bytes = packet.serialized
        bytes.withUnsafeBytes { raw in
            let header = try! RTPHeader(parsing: raw)
            buffer.audioReceived(header, payload: UnsafeRawBufferPointer(rebasing: raw[header.payloadStart..<header.payloadEnd]), law: .muLaw)
        }
    }

    /// What each tick takes: the frame's level, "cn N" or "-" for missing.
    func take(_ buffer: inout PlayoutBuffer, _ ticks: Int) -> [String] {
        (0..<ticks).map { _ in
            switch buffer.take() {
            case .audio: String(G711.Law.muLaw.decode(G711.muLaw(buffer.frame[80])))
            case .comfortNoise(let level): "cn \(level)"
            case .missing: "-"
            }
        }
    }

    func level(_ sequence: Int) -> String { String(G711.Law.muLaw.decode(G711.muLaw(Int16(sequence % 100) * 100 + 100))) }

    @Test func anInOrderStreamPlaysAfterTheDelayOneFramePerTick() {
        var buffer = PlayoutBuffer(delayFrames: 2)
        #expect(take(&buffer, 2) == ["-", "-"])  // before the first packet: missing, but not counted as lost
        receive(&buffer, 1)
        var out = take(&buffer, 2)
        for sequence in 2...5 {
            receive(&buffer, UInt16(sequence))
            out += take(&buffer, 1)
        }
        out += take(&buffer, 1)
        #expect(out == ["-", "-", level(1), level(2), level(3), level(4), level(5)])
        #expect(buffer.counters.missingFrames == 2)  // the two frames of delay at the stream's start
    }

    @Test func swappedPacketsPlayInOrder() {
        var buffer = PlayoutBuffer(delayFrames: 2)
        for sequence in [1, 3, 2, 5, 4, 6] { receive(&buffer, UInt16(sequence)) }
        #expect(take(&buffer, 8) == ["-", "-", level(1), level(2), level(3), level(4), level(5), level(6)])
    }

    @Test func aLostPacketIsAMissingFrameNotSilence() {
        var buffer = PlayoutBuffer(delayFrames: 2)
        for sequence in [1, 2, 4, 5] { receive(&buffer, UInt16(sequence)) }
        #expect(take(&buffer, 7) == ["-", "-", level(1), level(2), "-", level(4), level(5)])
    }

    @Test func timestampsNotSequenceNumbersPlaceTheAudio() {
        // A sender that skips 2 frames of timestamps under silence suppression, numbering on.
        var buffer = PlayoutBuffer(delayFrames: 0)
        receive(&buffer, 1, timestamp: 160)
        receive(&buffer, 2, timestamp: 640)
        #expect(take(&buffer, 4) == [level(1), "-", "-", level(2)])
    }

    @Test func followsTimestampsAndSequenceNumbersAcrossTheWrap() {
        var buffer = PlayoutBuffer(delayFrames: 0)
        receive(&buffer, 65535, timestamp: UInt32.max - 159)
        receive(&buffer, 0, timestamp: 0)
        receive(&buffer, 1, timestamp: 160)
        #expect(take(&buffer, 3) == [level(65535), level(0), level(1)])
    }

    @Test func duplicatesAndLatePacketsAreDropped() {
        var buffer = PlayoutBuffer(delayFrames: 0)
        receive(&buffer, 1)
        _ = take(&buffer, 1)
        receive(&buffer, 1)  // after its frame was played: late
        receive(&buffer, 2)
        receive(&buffer, 2)  // duplicate: the same frame, once
        #expect(take(&buffer, 2) == [level(2), "-"])
        #expect(buffer.counters.late == 1)
    }

    @Test func aNewSSRCOrAHugeJumpStartsTheStreamAgain() {
        var buffer = PlayoutBuffer(delayFrames: 1)
        receive(&buffer, 1)
        #expect(take(&buffer, 2) == ["-", level(1)])
        receive(&buffer, 40_000, timestamp: 40_000 * 160)  // far ahead: placed anew
        receive(&buffer, 7, ssrc: 2)  // a new stream: placed anew
        #expect(take(&buffer, 2) == ["-", level(7)])
        #expect(buffer.counters.resyncs == 2)
    }

    @Test func aSenderAlwaysLateIsPlacedAgain() {
        var buffer = PlayoutBuffer(delayFrames: 0)
        receive(&buffer, 1)
        _ = take(&buffer, 20)
        for sequence in 2...5 { receive(&buffer, UInt16(sequence)) }  // all long past their frames
        #expect(buffer.counters.late == 4)  // the fourth in a row is placed anew, at the delay
        #expect(buffer.counters.resyncs == 1)
        #expect(take(&buffer, 1) == [level(5)])
    }

    @Test func comfortNoiseHoldsUntilAudioReturns() {
        var buffer = PlayoutBuffer(delayFrames: 0)
        receive(&buffer, 1)
        let noise = RTPPacket(payloadType: 13, sequenceNumber: 2, timestamp: 320, ssrc: 1, payload: [70]).serialized
        noise.withUnsafeBytes { raw in
            let header = try! RTPHeader(parsing: raw)
            buffer.comfortNoiseReceived(header, payload: UnsafeRawBufferPointer(rebasing: raw[header.payloadStart..<header.payloadEnd]))
        }
        #expect(take(&buffer, 4) == [level(1), "cn 70", "cn 70", "cn 70"])
        receive(&buffer, 3, timestamp: 800)
        #expect(take(&buffer, 2) == [level(3), "-"])
    }
}

@Suite struct TelephoneEventTests {
    func event(_ digit: UInt8, end: Bool, duration: UInt16, timestamp: UInt32) -> RTPPacket {
        RTPPacket(payloadType: 101, sequenceNumber: 1, timestamp: timestamp, ssrc: 1,
                  payload: [digit, (end ? 0x80 : 0) | 10, UInt8(duration >> 8), UInt8(duration & 0xFF)])
    }

    @Test func parsesTheRFC4733Payload() throws {
        let parsed = try #require(TelephoneEvent(payload: [11, 0x8A, 0x03, 0x20]))
        #expect(parsed.digit == "#")
        #expect(parsed.isEnd)
        #expect(parsed.volume == 10)
        #expect(parsed.duration == 800)
        #expect(TelephoneEvent(payload: [1, 2]) == nil)
    }

    @Test func reportsEachDigitOnceDespiteRepeatsAndTripleEnd() {
        var receiver = DTMFReceiver()
        var digits: [Character] = []
        for packet in [
            event(9, end: false, duration: 160, timestamp: 1000), event(9, end: false, duration: 320, timestamp: 1000),
            event(9, end: true, duration: 480, timestamp: 1000), event(9, end: true, duration: 480, timestamp: 1000),
            event(9, end: true, duration: 480, timestamp: 1000), event(1, end: false, duration: 160, timestamp: 3000),
            event(1, end: true, duration: 320, timestamp: 3000), event(16, end: true, duration: 320, timestamp: 5000),
        ] {
            if let digit = receiver.packetReceived(packet) { digits.append(digit) }
        }
        #expect(digits == ["9", "1"])
    }
}

@Suite struct SDPAnswerTests {
    @Test func takesTheMediaAddressPortAndFirstG711Codec() throws {
        let answer = try SDPAnswer(parsing: """
            v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n\
            m=audio 40000 RTP/AVP 8 0 101\r\nc=IN IP4 127.0.0.1\r\na=rtpmap:8 PCMA/8000\r\n\
            a=rtpmap:101 telephone-event/8000\r\n
            """)
        #expect(answer.host == "127.0.0.1")
        #expect(answer.port == 40000)
        #expect(answer.law == .aLaw)
        #expect(answer.telephoneEventPayloadType == 101)
    }

    @Test func explainsWhatIsMissing() {
        #expect(throws: SDPAnswer.ParseError.noAudio) { try SDPAnswer(parsing: "v=0\r\nc=IN IP4 1.2.3.4\r\n") }
        #expect(throws: SDPAnswer.ParseError.noAddress) { try SDPAnswer(parsing: "v=0\r\nm=audio 4000 RTP/AVP 0\r\n") }
        #expect(throws: SDPAnswer.ParseError.noCommonCodec("18 4")) {
            try SDPAnswer(parsing: "c=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 18 4\r\n")
        }
    }
}
