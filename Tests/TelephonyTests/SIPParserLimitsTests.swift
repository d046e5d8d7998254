import Testing
@testable import Telephony

/// Issue 14: the worst datagrams we can build are parsed in one pass and rejected at a limit, or
/// parsed right. (Their cost is measured by `bench/sip-flood.sh`, not asserted here.)
@Suite struct SIPParserLimitsTests {
    private static let mandatory = "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\n"
        + "To: <sip:c@d>\r\nCall-ID: limits-1\r\nCSeq: 1 OPTIONS\r\n"
    private static let requestLine = "OPTIONS sip:c@d SIP/2.0\r\n"

    /// A request with `extra` after the mandatory headers, padded up to `size` bytes with `filler`.
    private func request(extra: String = "", filler: String = "", upTo size: Int = 0) -> [UInt8] {
        var head = Array((Self.requestLine + Self.mandatory + extra).utf8)
        let unit = Array(filler.utf8)
        if !unit.isEmpty {
            while head.count + unit.count + 2 <= size { head += unit }
        }
        return head + Array("\r\n".utf8)
    }

    private func code(_ bytes: [UInt8]) -> SIPMessageParser.ParseError.Code? {
        do {
            _ = try SIPMessageParser.parse(datagram: bytes)
            return nil
        } catch {
            return error.code
        }
    }

    @Test func sixtyFourKilobytesOfFoldedLinesStopAtTheLineLimit() {
        // The search for the empty line gives up after 1,024 lines, before any field is parsed.
        let bytes = request(extra: "Subject: x\r\n", filler: " a\r\n", upTo: SIPMessageParser.maximumMessageSize)
        #expect(bytes.count > 65_000)
        #expect(code(bytes) == .tooManyLines)
        // Tabs and bare line ends fold the same.
        #expect(code(request(extra: "Subject: x\n", filler: "\tb\n", upTo: SIPMessageParser.maximumMessageSize)) == .tooManyLines)
        // Bare CRs are line ends too, but never end the header section: no empty line, no message.
        #expect(code(request(extra: "Subject: x\r", filler: " \r", upTo: SIPMessageParser.maximumMessageSize)) == .malformed)
    }

    @Test func foldingUpToTheLimitGivesOneSpaceSeparatedValue() throws {
        let limit = SIPMessageParser.maximumContinuationLines
        let folded = "Subject: x\r\n" + String(repeating: " \t a \r\n", count: limit)
        let message = try SIPMessageParser.parse(datagram: request(extra: folded))
        #expect(message.header("Subject") == "x" + String(repeating: " a", count: limit))
        #expect(code(request(extra: "Subject: x\r\n" + String(repeating: " a\r\n", count: limit + 1))) == .tooManyContinuationLines)
        // The limit is per field: the next field starts counting again.
        let two = try SIPMessageParser.parse(datagram: request(extra: folded + "X-Other: y\r\n" + String(repeating: " b\r\n", count: limit)))
        #expect(two.header("X-Other") == "y" + String(repeating: " b", count: limit))
    }

    @Test func tinyHeadersStopAtTheFieldLimit() throws {
        // As many as fit in 64 KB (about 13,000 with CRLF, 21,800 with bare LF): over the line limit too.
        #expect(code(request(filler: "a:b\r\n", upTo: SIPMessageParser.maximumMessageSize)) == .tooManyLines)
        #expect(code(request(filler: "a:\n", upTo: SIPMessageParser.maximumMessageSize)) == .tooManyLines)
        // Bare CR line ends: the section ends at the final CRLF CRLF, and the field limit stops it.
        #expect(code(request(filler: "a:\r", upTo: 65_000) + Array("\n\r\n".utf8)) == .tooManyHeaderFields)
        #expect(code(request(filler: "a:b\r\n", upTo: 2_000)) == .tooManyHeaderFields)
        // Exactly the limit is fine (5 mandatory fields, the rest X-N), one more is not.
        let fill = (0..<(SIPMessageParser.maximumHeaderFields - 5)).map { "X-\($0): \($0)\r\n" }.joined()
        let message = try SIPMessageParser.parse(datagram: request(extra: fill))
        #expect(message.headers.count == SIPMessageParser.maximumHeaderFields)
        #expect(message.header("X-250") == "250")
        #expect(code(request(extra: fill + "X-Last: 1\r\n")) == .tooManyHeaderFields)
    }

    @Test func lineCountStopsFoldedFieldsUnderTheFieldLimit() {
        // 200 fields of 6 lines each: under both per-field limits, over the line limit.
        let field = "X-F: a\r\n" + String(repeating: " b\r\n", count: 5)
        #expect(code(request(extra: String(repeating: field, count: 200))) == .tooManyLines)
    }

    @Test func thirtyThousandListItemsOrParametersStopAtTheSeparatorLimit() {
        let items = 30_000
        let accept = "Accept: " + Array(repeating: "a", count: items).joined(separator: ",") + "\r\n"
        #expect(code(request(extra: accept)) == .tooManySeparators)
        // A Via list, and parameters on To and on a Via: the same limit.
        let vias = "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1" + String(repeating: ",v", count: items)
        #expect(code(Array((Self.requestLine + "Via: \(vias)\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: v\r\n"
            + "CSeq: 1 OPTIONS\r\n\r\n").utf8)) == .tooManySeparators)
        let to = "To: <sip:c@d>" + String(repeating: ";p", count: items) + ";tag=last\r\n"
        let parametered = Array((Self.requestLine + "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\n" + to
            + "Call-ID: p\r\nCSeq: 1 OPTIONS\r\n\r\n").utf8)
        #expect(parametered.count <= SIPMessageParser.maximumMessageSize)
        #expect(code(parametered) == .tooManySeparators)
    }

    @Test func listsAndParametersUpToTheLimitParseRight() throws {
        let limit = SIPMessageParser.maximumSeparatorsPerField
        let accept = "Accept: " + Array(repeating: "a", count: limit + 1).joined(separator: ",") + "\r\n"
        #expect(try SIPMessageParser.parse(datagram: request(extra: accept)).headerValues("Accept").count == limit + 1)
        // A Via list of `limit` separators: the first element's parameter and the list's length.
        let vias = "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1" + String(repeating: ",v", count: limit - 1)
        let viaMessage = try SIPMessageParser.parse(datagram: Array((Self.requestLine + "Via: \(vias)\r\nFrom: <sip:a@b>;tag=1\r\n"
            + "To: <sip:c@d>\r\nCall-ID: v\r\nCSeq: 1 OPTIONS\r\n\r\n").utf8))
        #expect(viaMessage.topVia?.branch == "z9hG4bK1")
        #expect(viaMessage.headerValues("Via").count == limit)
        // `limit` parameters on To, the tag last; quoted separators count too, so one more is refused.
        let to = "To: <sip:c@d>" + String(repeating: ";p", count: limit - 1) + ";tag=last\r\n"
        let message = try SIPMessageParser.parse(datagram: Array((Self.requestLine + "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
            + "From: <sip:a@b>;tag=1\r\n" + to + "Call-ID: p\r\nCSeq: 1 OPTIONS\r\n\r\n").utf8))
        #expect(message.to?.tag == "last")
        #expect(message.to?.parameters.items.count == limit)
        #expect(code(request(extra: "Subject: \"" + String(repeating: ";", count: limit + 1) + "\"\r\n")) == .tooManySeparators)
    }

    @Test func aStreamFedOneByteAtATimeReadsItsHeadOnce() throws {
        // 200 fields of ~150 bytes and a 30 KB body: the head is searched from where the last search
        // stopped and parsed once, not again for every byte of the body.
        let fields = (0..<200).map { "X-\($0): " + String(repeating: "v", count: 140) + "\r\n" }.joined()
        let body = [UInt8](repeating: UInt8(ascii: "b"), count: 30_000)
        let bytes = Array((Self.requestLine + Self.mandatory + fields + "Content-Length: \(body.count)\r\n\r\n").utf8) + body
        var parser = SIPMessageParser()
        var messages: [SIPMessage] = []
        for byte in bytes {
            parser.append(CollectionOfOne(byte))
            if let message = try parser.next() { messages.append(message) }
        }
        #expect(messages.count == 1)
        #expect(messages.first?.body == body)
        #expect(messages.first?.header("X-199")?.count == 140)
    }

    // MARK: The head alone

    private func head(_ text: String) throws -> SIPMessageParser.Head {
        try Array(text.utf8).withUnsafeBytes { try SIPMessageParser.head(ofDatagram: $0) }
    }

    @Test func theHeadReadsTheCallIDAsTheParserDoes() throws {
        for text in [RFC4475.wsinv, RFC4475.esc01, RFC4475.escnull, RFC4475.esc02, RFC4475.lwsdisp, RFC4475.semiuri,
                     RFC4475.noreason, RFC4475.unreason] {
            let message = try SIPMessageParser.parse(datagram: Array(text.utf8))
            let peeked = try head(text)
            #expect(peeked.callID == message.callID)
            #expect(peeked.startLine == message.startLine)
        }
        // Compact name, odd case, white space before the colon, a folded value, bare line ends.
        let folded = "\r\nBYE sip:x@y SIP/2.0\nvia: SIP/2.0/UDP h;branch=z9hG4bK1\rX-A: 1\r\n  more\r\nCALL-id  :  abc\r\n\t def \r\n"
            + " ghi\r\nI: second\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCSeq: 2 BYE\r\n\r\n"
        #expect(try head(folded).callID == "abc def ghi")
        #expect(try SIPMessageParser.parse(datagram: Array(folded.utf8)).callID == "abc def ghi")
        #expect(try head("SIP/2.0 180 Ringing\r\ni:r1\r\n\r\n") == SIPMessageParser.Head(
            startLine: .response(statusCode: 180, reasonPhrase: "Ringing"), callID: "r1"))
        // A Call-ID after the empty line is body, not a header.
        #expect(try head("BYE sip:x@y SIP/2.0\r\nVia: v\r\n\r\nCall-ID: in-body\r\n").callID == nil)
        #expect(throws: SIPMessageParser.ParseError.self) { try head("garbage that is not SIP\r\n\r\n") }
    }
}
