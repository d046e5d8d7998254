import Testing
@testable import Telephony

@Suite struct SIPMessageParserTests {
    private func datagram(_ text: String) throws(SIPMessageParser.ParseError) -> SIPMessage {
        try SIPMessageParser.parse(datagram: Array(text.utf8))
    }

    @Test func shortTortuousInvite() throws {
        let message = try datagram(RFC4475.wsinv)
        #expect(message.method == "INVITE")
        #expect(message.requestURI == "sip:vivekg@chair-dnrc.example.com;unknownparam")
        #expect(message.to?.uri == "sip:vivekg@chair-dnrc.example.com")
        #expect(message.to?.tag == "1918181833n")
        #expect(message.from?.displayName == "J Rosenberg \\\"")
        #expect(message.from?.uri == "sip:jdrosen@example.com")
        #expect(message.from?.tag == "98asjd8")
        #expect(message.header("max-forwards") == "0068")
        #expect(message.callID == "wsinv.ndaksdj@192.0.2.1")
        #expect(message.cseq?.number == 9)
        #expect(message.cseq?.method == "INVITE")
        #expect(message.header("NewFangledHeader") == "newfangled value continued newfangled value")
        #expect(message.header("Subject") == "")
        let vias = message.headerValues("Via").compactMap(SIPVia.init(parsing:))
        #expect(vias.map(\.host) == ["192.0.2.2", "spindle.example.com", "192.168.255.111"])
        #expect(vias.map(\.transport) == ["UDP", "TCP", "UDP"])
        #expect(vias.map(\.branch) == ["390skdjuw", "z9hG4bK9ikj8", "z9hG4bK30239"])
        let contact = try NameAddress(parsing: try #require(message.header("m")))
        #expect(contact.displayName == "Quoted string \"\"")
        #expect(contact.parameters["newparam"] == "newvalue")
        #expect(contact.parameters["q"] == "0.33")
        #expect(message.headerValues("Route") == ["<sip:services.example.com;lr;unknownwith=value;unknown-no-value>"])
        #expect(message.body == Array(RFC4475.sdp150.utf8))
    }

    @Test func compactFormsAndEscapes() throws {
        let esc01 = try datagram(RFC4475.esc01)
        #expect(esc01.callID == "esc01.239409asdfakjkn23onasd0-3234")
        #expect(esc01.header("Content-Type") == "application/sdp")
        #expect(esc01.body.count == 150)
        let escnull = try datagram(RFC4475.escnull)
        #expect(escnull.headerValues("Contact").count == 2)
        #expect(escnull.body.isEmpty)
        let esc02 = try datagram(RFC4475.esc02)
        #expect(esc02.method == "RE%47IST%45R")
        #expect(esc02.headerValues("Contact").count == 2)  // "C%6Fntact" is another header
        #expect(esc02.header("C%6Fntact") == "<sip:alias2@host2.example.com>")
        let lwsdisp = try datagram(RFC4475.lwsdisp)
        #expect(lwsdisp.from?.displayName == "caller")
        let semiuri = try datagram(RFC4475.semiuri)
        #expect(semiuri.requestURI == "sip:user;par=u%40example.net@example.com")
        #expect(semiuri.headerValues("Accept").count == 6)
    }

    @Test func responsesWithOddReasonPhrases() throws {
        let noreason = try datagram(RFC4475.noreason)
        #expect(noreason.statusCode == 100)
        #expect(noreason.reasonPhrase == "")
        let unreason = try datagram(RFC4475.unreason)
        #expect(unreason.statusCode == 200)
        #expect(unreason.reasonPhrase?.hasPrefix("= 2**3 * 5**2") == true)
    }

    @Test func trailingOctetsInADatagramAreIgnored() throws {
        let message = try datagram(RFC4475.dblreq)
        #expect(message.method == "REGISTER")
        #expect(message.body.isEmpty)
    }

    @Test(arguments: RFC4475.invalid.map(\.name))
    func invalidMessagesAreRejectedWithAReason(name: String) throws {
        let entry = try #require(RFC4475.invalid.first { $0.name == name })
        do {
            _ = try datagram(entry.text)
            Issue.record("\(name) was accepted")
        } catch {
            #expect(error.message.contains(entry.expected), "\(name): \(error.message)")
        }
    }

    @Test(arguments: ["wsinv", "esc01", "escnull", "esc02", "lwsdisp", "semiuri", "noreason", "unreason"])
    func streamFeedingByteByByteAndSplitAtEveryIndex(name: String) throws {
        let texts = ["wsinv": RFC4475.wsinv, "esc01": RFC4475.esc01, "escnull": RFC4475.escnull, "esc02": RFC4475.esc02,
                     "lwsdisp": RFC4475.lwsdisp, "semiuri": RFC4475.semiuri, "noreason": RFC4475.noreason,
                     "unreason": RFC4475.unreason]
        let bytes = Array(try #require(texts[name]).utf8)
        let whole = try SIPMessageParser.parse(datagram: bytes)
        // Byte by byte: nothing until the last byte, then exactly the message.
        var parser = SIPMessageParser()
        for (index, byte) in bytes.enumerated() {
            parser.append([byte])
            let message = try parser.next()
            if index < bytes.count - 1 {
                #expect(message == nil, "\(name): message complete after \(index + 1) of \(bytes.count) bytes")
            } else {
                #expect(message == whole)
            }
        }
        // Split in two at every index, with a second copy behind it: two equal messages.
        for split in 0...bytes.count {
            var parser = SIPMessageParser()
            parser.append(bytes[..<split])
            var messages: [SIPMessage] = []
            while let message = try parser.next() { messages.append(message) }
            parser.append(bytes[split...] + [0x0D, 0x0A] + bytes)
            while let message = try parser.next() { messages.append(message) }
            #expect(messages == [whole, whole], "\(name): split at \(split)")
        }
    }

    @Test func streamsNeedContentLengthAndRespectTheSizeLimit() throws {
        var parser = SIPMessageParser()
        parser.append(Array("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nTo: <sip:a@b>\r\nFrom: <sip:c@d>;tag=1\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n".utf8))
        #expect(throws: SIPMessageParser.ParseError.self) { try parser.next() }
        var flood = SIPMessageParser()
        flood.append([UInt8](repeating: UInt8(ascii: "a"), count: SIPMessageParser.maximumMessageSize + 1))
        #expect(throws: SIPMessageParser.ParseError.self) { try flood.next() }
        #expect(throws: SIPMessageParser.ParseError.self) {
            try SIPMessageParser.parse(datagram: [UInt8](repeating: 0x41, count: SIPMessageParser.maximumMessageSize + 1))
        }
    }

    @Test func serialisingAndParsingAgainGivesTheSameMessage() throws {
        for text in [RFC4475.wsinv, RFC4475.esc01, RFC4475.unreason] {
            let message = try datagram(text)
            var reparsed = try SIPMessageParser.parse(datagram: message.serialized())
            // The serializer writes Content-Length itself, last.
            reparsed.removeHeader("Content-Length")
            var original = message
            original.removeHeader("Content-Length")
            #expect(reparsed == original)
        }
    }

    @Test func bareLineEndsFoldingAndUTF8ReadLikeTheirCanonicalForm() throws {
        let canonical = try datagram(
            "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKabc;rport=5070\r\n"
            + "From: \"J\u{00FC}rgen \u{00D8}stergaard\" <sip:caller@example.com>;tag=a1\r\n"
            + "To: <sip:callee@example.com>;tag=b2\r\nCall-ID: utf8-1\r\nCSeq: 7 INVITE\r\n"
            + "Subject: first part second part\r\nContent-Length: 0\r\n\r\n")
        #expect(canonical.from?.displayName == "J\u{00FC}rgen \u{00D8}stergaard")
        #expect(canonical.topVia?.branch == "z9hG4bKabc")
        #expect(canonical.topVia?.port == 5070)
        // Bare LF, bare CR, a folded header (tab and spaces) and a compact name read the same.
        let odd = try datagram(
            "SIP/2.0 200 OK\nv: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKabc;rport=5070\r"
            + "f: \"J\u{00FC}rgen \u{00D8}stergaard\" <sip:caller@example.com>;tag=a1\n"
            + "t: <sip:callee@example.com>;tag=b2\r\ni: utf8-1\r\nCSEQ: 7 INVITE\r\n"
            + "subject: first part\r\n\t  second part\r\nl: 0\r\n\r\n")
        #expect(odd == canonical)
        // Bytes that are not UTF-8 are refused.
        var broken = Array("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:a@b>\r\n".utf8)
        broken += [0x46, 0x72, 0x6F, 0x6D, 0x3A, 0x20, 0xC3, 0x28] + Array("<sip:c@d>;tag=1\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n".utf8)
        #expect(throws: SIPMessageParser.ParseError("header section is not valid UTF-8")) { try SIPMessageParser.parse(datagram: broken) }
    }

    @Test func listsAndParametersSplitOutsideQuotesAndBrackets() throws {
        #expect(SIPMessage.splitList(" <sip:a@b;x=1,2>, \"Last, First\" <sip:c@d> ,, sip:e@f ") == [
            "<sip:a@b;x=1,2>", "\"Last, First\" <sip:c@d>", "sip:e@f"])
        #expect(SIPMessage.splitList("  ").isEmpty)
        #expect(SIPMessage.firstListElementAndRest(" , \"a,b\" <sip:a@b;x=1,2> , c,, d ") == ("\"a,b\" <sip:a@b;x=1,2>", "c,, d"))
        #expect(SIPMessage.firstListElementAndRest(" only ") == ("only", nil))
        #expect(SIPMessage.firstListElementAndRest("a , ") == ("a", nil))
        #expect(SIPMessage.firstListElementAndRest(" ") == (nil, nil))
        #expect(SIPMessage.firstListElement("<sip:a@b;x=1,2>, sip:c@d") == "<sip:a@b;x=1,2>")
        let parameters = HeaderParameters(parsing: ";Branch=z9hG4bK1 ; rport ;note=\"a;b\\\";c\";TAG = x")
        #expect(parameters.items.map(\.name) == ["branch", "rport", "note", "tag"])
        #expect(parameters["BRANCH"] == "z9hG4bK1")
        #expect(parameters["rport"] == "")
        #expect(parameters["note"] == "\"a;b\\\";c\"")
        #expect(parameters["tag"] == "x")
        #expect(CallStateMachine.settingBranch("z9hG4bKnew", in: "SIP/2.0/UDP h:5060;BRANCH=z9hG4bKold;rport")
            == "SIP/2.0/UDP h:5060;BRANCH=z9hG4bKnew;rport")
        #expect(CallStateMachine.settingBranch("z9hG4bKnew", in: "SIP/2.0/UDP h:5060") == "SIP/2.0/UDP h:5060;branch=z9hG4bKnew")
    }
}
