import Testing
@testable import Telephony

@Suite struct RandomBytesTests {
    @Test func idsAreHexOfTheAskedLengthAndNeverRepeatAcrossRefills() {
        // 20,000 ids of 8 bytes use the 4 KB buffer about 40 times over.
        var seen = Set<String>()
        for _ in 0..<20_000 {
            let id = RandomBytes.hex(8)
            #expect(id.utf8.count == 16 && id.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }, "\(id)")
            seen.insert(id)
        }
        #expect(seen.count == 20_000)
    }

    @Test func byteValuesAreSpreadEvenly() {
        // 256,000 bytes: each value expected 1,000 times; a chi-square over 255 degrees of freedom
        // above 400 happens by chance less than once in a million runs.
        var counts = [Int](repeating: 0, count: 256)
        for _ in 0..<1_000 {
            for byte in RandomBytes.bytes(256) { counts[Int(byte)] += 1 }
        }
        let chiSquare = counts.reduce(0.0) { $0 + Double(($1 - 1_000) * ($1 - 1_000)) / 1_000 }
        #expect(chiSquare < 400, "chi-square \(chiSquare)")
    }
}
