import IO
import Testing

/// The request parser against what a hostile client sends: random bytes, mutated requests, bad
/// chunk sizes. It must never crash, and however the bytes are split it must reach the same result.
@Suite struct HTTPParserHostileInputTests {
    /// xorshift64*: the same inputs every run, so a failure can be replayed.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return state &* 2_685_821_657_736_338_717
        }
    }

    /// Requests, or the error, from `chunks`.
    func outcome(_ chunks: [[UInt8]]) -> Result<[HTTPRequest], HTTPParseError> {
        Result { () throws(HTTPParseError) -> [HTTPRequest] in try parseRequests(chunks, maxHeaderBytes: 512, maxBodyBytes: 256) }
    }

    static let seeds = [
        "POST /v1/calls HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 19\r\n\r\n{\"target\": \"+1555\"}",
        "POST /v1/calls HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n3;x=y\r\nefg\r\n0\r\nT: 1\r\n\r\n",
        "GET /v1/calls/17 HTTP/1.1\r\nAuthorization: Bearer abc\r\n\r\nGET /healthz HTTP/1.0\r\n\r\n",
    ].map { Array($0.utf8) }

    @Test func randomAndMutatedInputNeverCrashesAndParsesTheSameHoweverSplit() async {
        var random = SeededGenerator(state: 0x9E37_79B9_7F4A_7C15)
        let alphabet = Array("\r\n :;/0123456789abcdefABCDEF-GETPOSTHTTP/1.1Content-LengthTransfer-Encodingchunked".utf8)
        for round in 0..<1_000 {
            // CPU-bound: let the other tests' tasks run on the shared pool now and then.
            if round % 20 == 0 { await Task.yield() }
            var input: [UInt8]
            switch round % 3 {
            case 0:
                // Random bytes, some from the protocol's alphabet so they get past the first line sometimes.
                input = (0..<Int.random(in: 0...300, using: &random)).map { _ in
                    Bool.random(using: &random) ? UInt8.random(in: 0...255, using: &random) : alphabet.randomElement(using: &random) ?? 0
                }
            default:
                // A good request with a few bytes changed, dropped or repeated.
                input = Self.seeds[Int.random(in: 0..<Self.seeds.count, using: &random)]
                for _ in 0..<Int.random(in: 1...4, using: &random) where !input.isEmpty {
                    let index = Int.random(in: 0..<input.count, using: &random)
                    switch Int.random(in: 0..<3, using: &random) {
                    case 0: input[index] = alphabet.randomElement(using: &random) ?? 0
                    case 1: input.remove(at: index)
                    default: input.insert(contentsOf: input[index..<min(input.count, index + 8)], at: index)
                    }
                }
            }
            let whole = outcome([input])
            let split = Int.random(in: 0...input.count, using: &random)
            let halves = outcome([Array(input[..<split]), Array(input[split...])])
            // Byte by byte for one input in four (the costliest way).
            let bytewise = round % 4 == 0 ? outcome(input.map { [$0] }) : whole
            #expect(whole == halves && whole == bytewise,
                    "round \(round): \(String(decoding: input, as: UTF8.self).debugDescription)")
        }
    }

    @Test(arguments: [
        ("fffffffffffffff", HTTPParseError.bodyTooLarge),  // 2^60 - 1: refused by the limit, no overflow
        ("ffffffffffffffff", .badChunk),  // 16 digits: past what the parser reads
        ("-1", .badChunk),
        ("0x10", .badChunk),
        ("", .badChunk),
        (" ", .badChunk),
        ("1 2", .badChunk),
        (String(repeating: "0", count: 2000) + "1", .badChunk),
    ])
    func badChunkSizesAreRefused(size: String, expected: HTTPParseError) {
        let input = Array("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n\(size)\r\nx\r\n0\r\n\r\n".utf8)
        for way in pieces(input) {
            #expect(throws: expected) { _ = try parseRequests(way, maxBodyBytes: 1 << 20) }
        }
    }

    @Test func endlessHeadersAndLinesAreCutAtTheLimit() {
        // A header line that never ends, and a request line that never ends: both refused at the limit,
        // having kept at most that much.
        for start in ["GET / HTTP/1.1\r\nX: ", "GET /"] {
            var parser = HTTPRequestParser(maxHeaderBytes: 1024)
            var failure: HTTPParseError?
            var sent = start.utf8.count
            parser.append(Array(start.utf8))
            while failure == nil, sent < 1 << 20 {
                parser.append([UInt8](repeating: UInt8(ascii: "a"), count: 100))
                sent += 100
                do { _ = try parser.nextRequest() } catch { failure = error }
            }
            #expect(failure == .headerTooLarge)
            #expect(sent <= 1024 + 100, "refused only after \(sent) bytes")
        }
    }
}
