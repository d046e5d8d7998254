import Testing
@testable import Telephony

/// Builds a WAV file in memory: a `fmt ` chunk of `fmtSize` bytes and a `data` chunk.
func makeWAV(formatTag: UInt16, channels: UInt16 = 1, sampleRate: UInt32 = 8000, bitsPerSample: UInt16,
             dataBytes: Int = 160, extraChunk: Bool = false, extensible: Bool = false) -> [UInt8] {
    func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }
    func le32(_ v: UInt32) -> [UInt8] { le16(UInt16(v & 0xffff)) + le16(UInt16(v >> 16)) }
    let blockAlign = channels * bitsPerSample / 8
    var fmt = le16(extensible ? 0xFFFE : formatTag) + le16(channels) + le32(sampleRate)
        + le32(sampleRate * UInt32(blockAlign)) + le16(blockAlign) + le16(bitsPerSample)
    if extensible {
        fmt += le16(22) + le16(bitsPerSample) + le32(0)
        fmt += le16(formatTag) + [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71]
    }
    var body: [UInt8] = Array("WAVE".utf8)
    body += Array("fmt ".utf8) + le32(UInt32(fmt.count)) + fmt
    if extraChunk { body += Array("LIST".utf8) + le32(3) + [1, 2, 3, 0] }  // odd size: padded to even
    body += Array("data".utf8) + le32(UInt32(dataBytes)) + [UInt8](repeating: 0xFF, count: dataBytes)
    return Array("RIFF".utf8) + le32(UInt32(body.count)) + body
}

@Suite struct WAVFormatTests {
    @Test func readsMuLawALawAndPCM() throws {
        let mu = try WAVFormat(bytes: makeWAV(formatTag: 7, bitsPerSample: 8, dataBytes: 8000))
        #expect(mu.encoding == .muLaw)
        #expect(mu.sampleRate == 8000)
        #expect(mu.channels == 1)
        #expect(mu.durationSeconds == 1.0)
        #expect(try WAVFormat(bytes: makeWAV(formatTag: 6, bitsPerSample: 8)).encoding == .aLaw)
        let pcm = try WAVFormat(bytes: makeWAV(formatTag: 1, bitsPerSample: 16, dataBytes: 16000))
        #expect(pcm.encoding == .pcm16)
        #expect(pcm.durationSeconds == 1.0)
    }

    @Test func skipsUnknownChunksWithPadding() throws {
        let format = try WAVFormat(bytes: makeWAV(formatTag: 7, bitsPerSample: 8, dataBytes: 10, extraChunk: true))
        #expect(format.dataLength == 10)
        #expect(format.dataOffset == 12 + 8 + 16 + 12 + 8)
    }

    @Test func readsExtensibleFormat() throws {
        let format = try WAVFormat(bytes: makeWAV(formatTag: 1, sampleRate: 16000, bitsPerSample: 16, extensible: true))
        #expect(format.encoding == .pcm16)
        #expect(format.sampleRate == 16000)
    }

    @Test func reportsWhatIsWrong() {
        #expect(throws: WAVFormat.ParseError.notWAV) { try WAVFormat(bytes: Array("not a wav file at all".utf8)) }
        #expect(throws: WAVFormat.ParseError.unsupportedEncoding(formatTag: 3, bitsPerSample: 32)) {
            try WAVFormat(bytes: makeWAV(formatTag: 3, bitsPerSample: 32))
        }
        var noData = makeWAV(formatTag: 7, bitsPerSample: 8, dataBytes: 0)
        noData.removeLast(8)
        #expect(throws: WAVFormat.ParseError.missingChunk("data")) { try WAVFormat(bytes: noData) }
        #expect(throws: WAVFormat.ParseError.self) { try WAVFormat(contentsOfFile: "/nonexistent/prompt.wav") }
    }
}

@Suite struct WAVAudioTests {
    @Test func decodesMuLawALawAndPCMSamples() throws {
        var mu = makeWAV(formatTag: 7, bitsPerSample: 8, dataBytes: 2)
        mu[mu.count - 2] = 0x80
        #expect(try WAVAudio(bytes: mu).samples == [32124, 0])
        var a = makeWAV(formatTag: 6, bitsPerSample: 8, dataBytes: 1)
        a[a.count - 1] = 0xD5
        #expect(try WAVAudio(bytes: a).samples == [8])
        var pcm = makeWAV(formatTag: 1, bitsPerSample: 16, dataBytes: 4)
        pcm.replaceSubrange(pcm.count - 4..<pcm.count, with: [0x34, 0x12, 0xFF, 0xFF])
        #expect(try WAVAudio(bytes: pcm).samples == [0x1234, -1])
    }

    @Test func refusesWideband() {
        #expect(throws: WAVAudio.LoadError.notNarrowbandMono(path: "", sampleRate: 16000, channels: 1)) {
            try WAVAudio(bytes: makeWAV(formatTag: 1, sampleRate: 16000, bitsPerSample: 16))
        }
        #expect(throws: WAVAudio.LoadError.notNarrowbandMono(path: "", sampleRate: 8000, channels: 2)) {
            try WAVAudio(bytes: makeWAV(formatTag: 7, channels: 2, bitsPerSample: 8))
        }
    }

    @Test func encodesForEitherLaw() throws {
        let audio = try WAVAudio(bytes: makeWAV(formatTag: 7, bitsPerSample: 8, dataBytes: 160))
        #expect(audio.encoded(as: .muLaw) == [UInt8](repeating: 0xFF, count: 160))
        #expect(audio.encoded(as: .aLaw) == [UInt8](repeating: 0xD5, count: 160))
        #expect(audio.durationMs == 20)
    }
}
