import Testing
@testable import Telephony

/// The word-at-a-time scans agree with a plain byte loop at every start and end offset.
@Suite struct SIPBytesTests {
    // Separators, line ends, non-ASCII and ordinary bytes, at every alignment.
    private static let sample: [UInt8] = Array("ab,c;d\r\nefgh\rijklmnop;;,,qrs\ntuvw\u{00E9}xyz;0123456789\r\n".utf8)

    @Test func wordScansMatchAByteLoop() {
        let bytes = Self.sample
        bytes.withUnsafeBufferPointer { buffer in
            for lo in 0...bytes.count {
                for hi in lo...bytes.count {
                    let slice = bytes[lo..<hi]
                    let lineEnd = slice.firstIndex { $0 == 0x0A || $0 == 0x0D } ?? hi
                    #expect(SIPBytes.lineEnd(buffer, from: lo, hi) == lineEnd)
                    let separators = slice.filter { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: ";") }.count
                    #expect(SIPBytes.separatorCount(buffer, lo, hi, limit: 100) == separators)
                    #expect(SIPBytes.containsNonASCII(buffer, lo, hi) == slice.contains { $0 >= 0x80 })
                    #expect(SIPBytes.firstIndex(of: UInt8(ascii: ";"), in: buffer, lo, hi) == slice.firstIndex(of: UInt8(ascii: ";")))
                }
            }
        }
    }

    @Test func separatorCountingStopsPastTheLimit() {
        let bytes = [UInt8](repeating: UInt8(ascii: ";"), count: 10_000)
        let count = bytes.withUnsafeBufferPointer { SIPBytes.separatorCount($0, 0, $0.count, limit: 256) }
        #expect(count > 256 && count <= 256 + 16)
    }
}
