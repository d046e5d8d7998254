import Testing
@testable import Telephony

@Suite struct SIPMethodTests {
    private func request(_ method: String, cseqMethod: String? = nil) throws(SIPMessageParser.ParseError) -> SIPMessage {
        try SIPMessageParser.parse(datagram: Array((
            "\(method) sip:+15551234567@127.0.0.1 SIP/2.0\r\n"
            + "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKm1\r\n"
            + "From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:b@127.0.0.1>\r\nCall-ID: m1\r\n"
            + "CSeq: 7 \(cseqMethod ?? method)\r\nContent-Length: 0\r\n\r\n").utf8))
    }

    @Test(arguments: [
        ("INVITE", SIPMethod.invite), ("ACK", .ack), ("BYE", .bye), ("CANCEL", .cancel), ("OPTIONS", .options),
        ("REGISTER", .register), ("PRACK", .prack), ("UPDATE", .update), ("INFO", .info),
        ("SUBSCRIBE", .subscribe), ("NOTIFY", .notify), ("REFER", .refer), ("MESSAGE", .message),
    ])
    func knownMethodsParseToTheirCase(token: String, method: SIPMethod) throws {
        let message = try request(token)
        #expect(message.method == method)
        #expect(message.cseq?.method == method)
        #expect(String(decoding: message.serialized().prefix(token.utf8.count + 1), as: UTF8.self) == token + " ")
    }

    // RFC 3261 §7.1: "the method names are case-sensitive".
    @Test func methodsAreCaseSensitive() throws {
        let lower = try request("invite")
        #expect(lower.method == .extension("invite"))
        #expect(lower.method != .invite)
        #expect(throws: SIPMessageParser.ParseError.self) { try request("INVITE", cseqMethod: "invite") }
    }

    @Test func extensionMethodsKeepTheirToken() throws {
        let message = try request("PUBLISH")
        #expect(message.method == .extension("PUBLISH"))
        #expect(message.method?.rawValue == "PUBLISH")
        #expect(SIPMethod.extension("BYE") == .bye)
        #expect(Set<SIPMethod>([.extension("BYE"), .bye]).count == 1)
    }
}
