import Testing
@testable import Telephony

/// DNS wire format (RFC 1035 §4) against answers captured from dnsmasq 2.90 (an independent
/// implementation) for the zone: `_sip._udp.trunk.test` SRV 10 60 5071 a.trunk.test and
/// SRV 20 0 5072 b.trunk.test; a.trunk.test A 127.0.0.1; b.trunk.test A 127.0.0.2; TTL 60.
@Suite struct DNSMessageTests {
    static func bytes(_ hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            result.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return result
    }

    /// Two SRV answers, the second's owner compressed, with the targets' A records as additional records.
    static let srvAnswer = bytes(
        "123485800001000200000002045f736970045f756470057472756e6b04746573740000210001c00c002100010000003c00140014000013d0"
            + "0162057472756e6b047465737400c00c002100010000003c0014000a003c13cf0161057472756e6b047465737400c058000100010000003c"
            + "00047f000001c038000100010000003c00047f000002")
    static let aAnswer = bytes("1234858000010001000000000161057472756e6b04746573740000010001c00c000100010000003c00047f000001")
    /// NXDOMAIN (RCODE 3) for a name dnsmasq is authoritative for (`--local=/test/`).
    static let nameError = bytes("123481830001000000000000076e6f7468696e6704746573740000010001")

    @Test func queryIsWhatAResolverSends() {
        // The question dnsmasq answered above, as every resolver writes it: ID, RD, one question, labels, QTYPE 33, QCLASS IN.
        #expect(DNSMessage.query(id: 0x1234, name: "_sip._udp.trunk.test", type: .srv)
            == Self.bytes("123401000001000000000000045f736970045f756470057472756e6b04746573740000210001"))
    }

    @Test func srvAnswerWithCompressedNames() throws {
        let response = try DNSMessage.parse(Self.srvAnswer)
        #expect(response.id == 0x1234)
        #expect(response.responseCode == 0)
        #expect(response.records == [
            .srv(name: "_sip._udp.trunk.test", SRVRecord(priority: 20, weight: 0, port: 5072, target: "b.trunk.test"), ttl: 60),
            .srv(name: "_sip._udp.trunk.test", SRVRecord(priority: 10, weight: 60, port: 5071, target: "a.trunk.test"), ttl: 60),
        ])
    }

    @Test func aAnswer() throws {
        #expect(try DNSMessage.parse(Self.aAnswer).records == [.a(name: "a.trunk.test", address: "127.0.0.1", ttl: 60)])
    }

    @Test func nameErrorHasNoRecords() throws {
        let response = try DNSMessage.parse(Self.nameError)
        #expect(response.responseCode == 3)
        #expect(response.records.isEmpty)
    }

    @Test func everyTruncationIsAnErrorOrTheWholeAnswer() throws {
        // Cut anywhere: an error, never half the answers. Only a cut in the additional section
        // (the last 32 bytes, which the resolver does not read) still gives every answer.
        let whole = try DNSMessage.parse(Self.srvAnswer)
        for end in 0..<Self.srvAnswer.count {
            let prefix = Array(Self.srvAnswer[0..<end])
            if end < Self.srvAnswer.count - 32 {
                #expect(throws: DNSMessage.ParseError.self) { try DNSMessage.parse(prefix) }
            } else {
                #expect(try DNSMessage.parse(prefix) == whole)
            }
        }
    }

    @Test func compressionLoopIsRefused() {
        // RFC 1035 §4.1.4 pointers that point at themselves must not hang the parser.
        let looping: [UInt8] = [0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 0x0C, 0, 1, 0, 1]
        #expect(throws: DNSMessage.ParseError.badName) { try DNSMessage.parse(looping) }
    }

    @Test func queryIsNotAResponse() {
        #expect(throws: DNSMessage.ParseError.notAResponse) {
            try DNSMessage.parse(DNSMessage.query(id: 1, name: "trunk.test", type: .a))
        }
    }

    @Test(arguments: [
        // RFC 5952 §4 examples.
        ("20010db8000000000000000000000001", "2001:db8::1"),
        ("20010db8000000000001000000000001", "2001:db8::1:0:0:1"),
        ("20010db8000000010001000100010001", "2001:db8:0:1:1:1:1:1"),
        ("00000000000000000000000000000001", "::1"),
    ])
    func ipv6Text(hex: String, text: String) {
        #expect(DNSMessage.ipv6Text(Self.bytes(hex)) == text)
    }
}

@Suite struct SRVRecordTests {
    let a = SRVRecord(priority: 10, weight: 60, port: 5060, target: "a.example.com")
    let b = SRVRecord(priority: 10, weight: 20, port: 5060, target: "b.example.com")
    let c = SRVRecord(priority: 10, weight: 0, port: 5060, target: "c.example.com")
    let backup = SRVRecord(priority: 20, weight: 0, port: 5060, target: "backup.example.com")

    @Test func lowerPriorityFirstWhateverTheWeight() {
        #expect(SRVRecord.ordered([backup, a]).map(\.target) == ["a.example.com", "backup.example.com"])
    }

    /// RFC 2782's selection: zero weights first, running sums (c 0, a 60, b 80); the first record whose
    /// running sum is at least the random number in 0...total is taken.
    @Test(arguments: [
        ([0, 0], ["c.example.com", "a.example.com", "b.example.com"]),
        ([1, 0], ["a.example.com", "c.example.com", "b.example.com"]),
        ([60, 0], ["a.example.com", "c.example.com", "b.example.com"]),
        ([61, 0], ["b.example.com", "c.example.com", "a.example.com"]),
        ([80, 60], ["b.example.com", "a.example.com", "c.example.com"]),
    ])
    func weightedOrderWithinAPriority(draws: [UInt32], expected: [String]) {
        var remaining = draws
        let order = SRVRecord.ordered([a, b, c]) { total in
            let draw = remaining.isEmpty ? 0 : remaining.removeFirst()
            #expect(draw <= total)
            return draw
        }
        #expect(order.map(\.target) == expected)
    }

    @Test func weightsShareTheFirstPlaceInProportion() {
        // 3:1 weights: over 4,000 system-random orders the heavier comes first about 3 times in 4.
        let heavy = SRVRecord(priority: 1, weight: 75, port: 5060, target: "heavy")
        let light = SRVRecord(priority: 1, weight: 25, port: 5060, target: "light")
        let first = (0..<4000).filter { _ in SRVRecord.ordered([light, heavy]).first?.target == "heavy" }.count
        #expect((2800...3200).contains(first))
    }

    @Test func rootTargetMeansNoService() {
        #expect(SRVRecord.ordered([SRVRecord(priority: 0, weight: 0, port: 0, target: "")]).isEmpty)
    }
}

@Suite struct DNSCacheTests {
    let record = DNSMessage.Record.a(name: "a.trunk.test", address: "127.0.0.1", ttl: 60)

    @Test func keptForTheSmallestTTL() {
        var cache = DNSCache()
        let short = DNSMessage.Record.a(name: "a.trunk.test", address: "127.0.0.2", ttl: 30)
        cache.insert("A.trunk.test", .a, records: [record, short], negativeTTL: nil, at: .seconds(100))
        #expect(cache.lookup("a.trunk.test", .a, at: .seconds(129)) == [record, short])
        #expect(cache.lookup("a.trunk.test", .a, at: .seconds(130)) == nil)
        #expect(cache.lookup("a.trunk.test", .aaaa, at: .seconds(100)) == nil)
    }

    @Test func negativeAnswerKeptForTheSOAMinimum() {
        var cache = DNSCache()
        cache.insert("_sip._udp.plain.test", .srv, records: [], negativeTTL: 10, at: .zero)
        #expect(cache.lookup("_sip._udp.plain.test", .srv, at: .seconds(9)) == [])
        #expect(cache.lookup("_sip._udp.plain.test", .srv, at: .seconds(10)) == nil)
    }

    @Test func zeroTTLIsNotKept() {
        var cache = DNSCache()
        cache.insert("x.test", .aaaa, records: [], negativeTTL: nil, at: .zero)
        #expect(cache.lookup("x.test", .aaaa, at: .zero) == nil)
    }
}
