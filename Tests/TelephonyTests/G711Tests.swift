import Testing
@testable import Telephony

@Suite struct G711Tests {
    /// ITU-T G.711 Table 2: the first decoder output of each μ-law segment, in 14-bit units (×4 in 16 bits).
    @Test func muLawSegmentStartsMatchTheITUTable() {
        let starts = [0, 33, 99, 231, 495, 1023, 2079, 4191]
        for (segment, start) in starts.enumerated() {
            let code = ~UInt8(segment << 4)  // positive, step 0, sent inverted
            #expect(Int(G711.Law.muLaw.decode(code)) == start * 4, "segment \(segment)")
            #expect(Int(G711.Law.muLaw.decode(code & 0x7F)) == -start * 4, "segment \(segment), negative")
        }
        #expect(G711.Law.muLaw.decode(0x80) == 32124)  // 8031 × 4, the largest value
        #expect(G711.Law.muLaw.decode(0x00) == -32124)
        #expect(G711.Law.muLaw.decode(0xFF) == 0)
        #expect(G711.Law.muLaw.decode(0x7F) == 0)
    }

    /// ITU-T G.711 Table 1: A-law segment starts in 12-bit half-steps (1, 33, 66, …, 2112), ×8 in 16 bits.
    @Test func aLawSegmentStartsMatchTheITUTable() {
        let starts = [1, 33, 66, 132, 264, 528, 1056, 2112]
        for (segment, start) in starts.enumerated() {
            let code = UInt8(0x80 | segment << 4) ^ 0x55
            #expect(Int(G711.Law.aLaw.decode(code)) == start * 8, "segment \(segment)")
        }
        #expect(G711.Law.aLaw.decode(0xD5) == 8)
        #expect(G711.Law.aLaw.decode(0x55) == -8)
        #expect(G711.Law.aLaw.decode(0xAA) == 32256)
        #expect(G711.Law.aLaw.decode(0x2A) == -32256)
    }

    @Test func encodesZeroAndFullScaleAsTheReferenceDoes() {
        #expect(G711.muLaw(0) == 0xFF)
        #expect(G711.muLaw(32767) == 0x80)
        #expect(G711.muLaw(-32768) == 0x00)
        #expect(G711.aLaw(0) == 0xD5)
        #expect(G711.aLaw(32767) == 0xAA)
        #expect(G711.aLaw(-32768) == 0x2A)
    }

    @Test(arguments: [G711.Law.muLaw, .aLaw])
    func everyCodeSurvivesDecodeThenEncode(law: G711.Law) {
        for code in 0...255 {
            let byte = UInt8(code)
            // μ-law has two zeros; the encoder always picks the positive one.
            let expected: UInt8 = law == .muLaw && byte == 0x7F ? 0xFF : byte
            #expect(law.encode(law.decode(byte)) == expected, "code \(code)")
        }
    }

    @Test(arguments: [G711.Law.muLaw, .aLaw])
    func quantizationErrorStaysWithinHalfAStep(law: G711.Law) {
        var previous = Int.min
        for value in stride(from: -32768, through: 32767, by: 7) {
            let decoded = Int(law.decode(law.encode(Int16(value))))
            // Steps double per segment; the largest is 1024 (μ-law) or 1024 (A-law) in 16-bit units.
            let step = max(16, abs(value) / 16)
            #expect(abs(decoded - value) <= step, "value \(value) → \(decoded)")
            #expect(decoded >= previous, "not monotonic at \(value)")
            previous = decoded
        }
    }
}
