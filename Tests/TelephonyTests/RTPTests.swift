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

@Suite struct RTPReorderBufferTests {
    func packet(_ sequence: UInt16, _ timestamp: UInt32? = nil) -> RTPPacket {
        RTPPacket(payloadType: 0, sequenceNumber: sequence, timestamp: timestamp ?? UInt32(sequence) &* 160, ssrc: 1,
                  payload: [UInt8](repeating: UInt8(truncatingIfNeeded: sequence), count: 160))
    }

    func sequences(_ outputs: [RTPReorderBuffer.Output]) -> [String] {
        outputs.map {
            switch $0 {
            case .packet(let packet): String(packet.sequenceNumber)
            case .silence(let samples): "silence \(samples)"
            }
        }
    }

    @Test func passesAnInOrderStreamStraightThrough() {
        var buffer = RTPReorderBuffer()
        let out = (1...5).flatMap { buffer.push(packet(UInt16($0))) }
        #expect(sequences(out) == ["1", "2", "3", "4", "5"])
    }

    @Test func putsSwappedPacketsBackInOrder() {
        var buffer = RTPReorderBuffer()
        let out = [1, 3, 2, 5, 4, 6].flatMap { buffer.push(packet(UInt16($0))) }
        #expect(sequences(out) == ["1", "2", "3", "4", "5", "6"])
        #expect(buffer.counters.lost == 0)
    }

    @Test func fillsALostPacketWithSilenceOnceDepthLaterPacketsArrived() {
        var buffer = RTPReorderBuffer(depth: 3)
        var out = [1, 2, 4, 5, 6].flatMap { buffer.push(packet(UInt16($0))) }
        #expect(sequences(out) == ["1", "2"])  // 3 may still come
        out = buffer.push(packet(7))
        #expect(sequences(out) == ["silence 160", "4", "5", "6", "7"])
        #expect(buffer.counters.lost == 1)
        #expect(buffer.push(packet(3)).isEmpty)  // too late now
        #expect(buffer.counters.lateOrDuplicate == 1)
    }

    @Test func silenceFollowsTheTimestampsNotThePacketCount() {
        var buffer = RTPReorderBuffer(depth: 0)
        // 40 ms packets: one lost packet is 320 samples of silence.
        _ = buffer.push(RTPPacket(payloadType: 0, sequenceNumber: 1, timestamp: 0, ssrc: 1, payload: [UInt8](repeating: 0, count: 320)))
        let out = buffer.push(RTPPacket(payloadType: 0, sequenceNumber: 3, timestamp: 640, ssrc: 1, payload: [UInt8](repeating: 0, count: 320)))
        #expect(sequences(out) == ["silence 320", "3"])
    }

    @Test func followsSequenceNumbersAcrossTheWrap() {
        var buffer = RTPReorderBuffer()
        let out = [65533, 65534, 0, 65535, 1, 2].flatMap { buffer.push(packet(UInt16($0))) }
        #expect(sequences(out) == ["65533", "65534", "65535", "0", "1", "2"])
        #expect(buffer.counters.reordered == 1)
    }

    @Test func dropsDuplicates() {
        var buffer = RTPReorderBuffer()
        let out = [1, 2, 2, 3, 3].flatMap { buffer.push(packet(UInt16($0))) }
        #expect(sequences(out) == ["1", "2", "3"])
        #expect(buffer.counters.lateOrDuplicate == 2)
    }

    @Test func aHugeJumpIsANewStreamNotAGap() {
        var buffer = RTPReorderBuffer(maxGap: 100)
        let out = [1, 2, 5000, 5001].flatMap { buffer.push(packet(UInt16($0))) }
        #expect(sequences(out) == ["1", "2", "5000", "5001"])
        #expect(buffer.counters.lost == 0)
    }

    @Test func flushAllEmitsWhatIsHeld() {
        var buffer = RTPReorderBuffer(depth: 5)
        _ = [1, 3].flatMap { buffer.push(packet(UInt16($0))) }
        #expect(sequences(buffer.flushAll()) == ["silence 160", "3"])
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
