import Testing
@testable import Telephony

/// RFC 4231 §4: the HMAC-SHA256 test cases.
@Suite struct HMACTests {
    func bytes(_ hexText: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hexText.startIndex
        while index < hexText.endIndex {
            let next = hexText.index(index, offsetBy: 2)
            out.append(UInt8(hexText[index..<next], radix: 16)!)
            index = next
        }
        return out
    }

    @Test(arguments: [
        // Test case 1
        ("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        // Test case 2: a key shorter than the output
        ("4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        // Test case 3: 50 bytes of 0xdd
        ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", String(repeating: "dd", count: 50),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        // Test case 4
        ("0102030405060708090a0b0c0d0e0f10111213141516171819", String(repeating: "cd", count: 50),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        // Test case 6: a key longer than a block (131 bytes), hashed first
        (String(repeating: "aa", count: 131),
         "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
    ])
    func rfc4231(key: String, data: String, expected: String) {
        #expect(hex(HMACSHA256.authenticationCode(key: bytes(key), message: bytes(data))) == expected)
    }

    @Test func test5TruncatedTo128Bits() {
        let code = HMACSHA256.authenticationCode(key: bytes(String(repeating: "0c", count: 20)), message: Array("Test With Truncation".utf8))
        #expect(hex(Array(code.prefix(16))) == "a3b6167473100ee06e0c796c2955552b")
    }

    @Test func test7LargeKeyAndData() {
        let message = "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."
        #expect(hex(HMACSHA256.authenticationCode(key: bytes(String(repeating: "aa", count: 131)), message: Array(message.utf8)))
            == "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2")
    }
}
