import Testing
@testable import Telephony

@Suite struct MD5Tests {
    // RFC 1321 §A.5 test suite.
    @Test(arguments: [
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
        ("a", "0cc175b9c0f1b6a831c399e269772661"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
        ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
        ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"),
        ("12345678901234567890123456789012345678901234567890123456789012345678901234567890", "57edf4a22be3c955ac49da2e2107b67a"),
    ])
    func rfc1321Vectors(message: String, digest: String) {
        #expect(MD5.hexDigest(Array(message.utf8)) == digest)
    }

    @Test func incrementalMatchesOneShot() {
        let message = Array(String(repeating: "sip digest ", count: 30).utf8)
        for split in stride(from: 0, through: message.count, by: 7) {
            var hasher = MD5()
            hasher.update(Array(message[..<split]))
            hasher.update(Array(message[split...]))
            #expect(hex(hasher.finalize()) == MD5.hexDigest(message))
        }
    }
}

@Suite struct DigestTests {
    // RFC 2617 §3.5.
    @Test func rfc2617Example() throws {
        let challenge = try DigestChallenge(parsing: """
            Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"
            """)
        #expect(challenge.algorithm == .md5)
        #expect(challenge.qopOptions == ["auth", "auth-int"])
        let response = challenge.response(
            username: "Mufasa", password: "Circle Of Life", method: "GET", uri: "/dir/index.html", nonceCount: 1, cnonce: "0a4f113b")
        #expect(response == "6629fae49393a05397450978507c4ef1")
        let header = challenge.authorization(
            username: "Mufasa", password: "Circle Of Life", method: "GET", uri: "/dir/index.html", nonceCount: 1, cnonce: "0a4f113b")
        #expect(header.contains("nc=00000001"))
        #expect(header.contains("qop=auth,") || header.contains("qop=auth "))
        #expect(header.contains("opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""))
    }

    // RFC 7616 §3.9.1, with both algorithms.
    @Test(arguments: [
        ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
        ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    ])
    func rfc7616Examples(algorithm: String, expected: String) throws {
        let challenge = try DigestChallenge(parsing: """
            Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=\(algorithm), nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
            """)
        let response = challenge.response(
            username: "Mufasa", password: "Circle of Life", method: "GET", uri: "/dir/index.html", nonceCount: 1,
            cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ")
        #expect(response == expected)
    }

    @Test func withoutQopAndStale() throws {
        let challenge = try DigestChallenge(parsing: "Digest realm=\"sip.example.com\", nonce=\"abc\", stale=TRUE")
        #expect(challenge.stale)
        #expect(challenge.qopOptions.isEmpty)
        // RFC 2069 compatibility: response = MD5(HA1:nonce:HA2).
        let ha1 = MD5.hexDigest(Array("bob:sip.example.com:zanzibar".utf8))
        let ha2 = MD5.hexDigest(Array("INVITE:sip:alice@example.com".utf8))
        #expect(challenge.response(username: "bob", password: "zanzibar", method: "INVITE", uri: "sip:alice@example.com", nonceCount: 1, cnonce: "x")
            == MD5.hexDigest(Array("\(ha1):abc:\(ha2)".utf8)))
        #expect(!challenge.authorization(username: "bob", password: "zanzibar", method: "INVITE", uri: "sip:alice@example.com", nonceCount: 1, cnonce: "x").contains("qop"))
    }

    @Test func rejectsWhatItCannotAnswer() {
        #expect(throws: DigestChallenge.ParseError.notDigest) { try DigestChallenge(parsing: "Basic realm=\"x\"") }
        #expect(throws: DigestChallenge.ParseError.missing("nonce")) { try DigestChallenge(parsing: "Digest realm=\"x\"") }
        #expect(throws: DigestChallenge.ParseError.unsupportedAlgorithm("SHA-512-256")) {
            try DigestChallenge(parsing: "Digest realm=\"x\", nonce=\"y\", algorithm=SHA-512-256")
        }
    }
}
