import Testing
@testable import Telephony

@Suite struct SIPURITests {
    @Test func parsesUserHostPortParametersAndHeaders() throws {
        let uri = try SIPURI(parsing: "sip:+15551234567@Proxy.Example.com:5070;user=phone;lr?Subject=hi")
        #expect(uri.secure == false)
        #expect(uri.user == "+15551234567")
        #expect(uri.host == "proxy.example.com")
        #expect(uri.port == 5070)
        #expect(uri.parameter("user") == "phone")
        #expect(uri.parameter("lr") == "")
        #expect(uri.headers == "Subject=hi")
        #expect(uri.description == "sip:+15551234567@proxy.example.com:5070;user=phone;lr?Subject=hi")
    }

    @Test func parsesSecureSchemeIPv4AndIPv6() throws {
        #expect(try SIPURI(parsing: "SIPS:alice@10.0.0.1").secure)
        let v6 = try SIPURI(parsing: "sip:bob@[2001:db8::10]:5080")
        #expect(v6.host == "[2001:db8::10]")
        #expect(v6.port == 5080)
        let hostOnly = try SIPURI(parsing: "sip:ivr.example.com")
        #expect(hostOnly.user == nil)
    }

    @Test func keepsPasswordSeparateFromUser() throws {
        let uri = try SIPURI(parsing: "sip:alice:secret@example.com")
        #expect(uri.user == "alice")
        #expect(uri.password == "secret")
    }

    @Test(arguments: [
        ("http://example.com", SIPURI.ParseError.notSIPScheme),
        ("sip:", .missingHost),
        ("sip:alice@", .missingHost),
        ("sip:alice@exa mple.com", .invalidHost("exa mple.com")),
        ("sip:alice@example.com:99999", .invalidPort("99999")),
        ("sip:alice@example.com:port", .invalidPort("port")),
        ("sip:al ice@example.com", .invalidUser("al ice")),
        ("sip:alice@-bad-.com", .invalidHost("-bad-.com")),
    ])
    func rejectsMalformedURIs(text: String, expected: SIPURI.ParseError) {
        #expect(throws: expected) { try SIPURI(parsing: text) }
    }
}
