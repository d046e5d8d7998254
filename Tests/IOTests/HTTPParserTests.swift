import IO
import Testing

/// Every way the same bytes can arrive: whole, byte by byte, and in two pieces split at each index.
func pieces(_ input: [UInt8]) -> [[[UInt8]]] {
    var ways: [[[UInt8]]] = [[input], input.map { [$0] }]
    for index in 0...input.count { ways.append([Array(input[..<index]), Array(input[index...])]) }
    return ways
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Requests parsed from `chunks` fed one after another, then the end of input.
func parseRequests(_ chunks: [[UInt8]], maxHeaderBytes: Int = 16_384, maxBodyBytes: Int = 1 << 20) throws(HTTPParseError) -> [HTTPRequest] {
    var parser = HTTPRequestParser(maxHeaderBytes: maxHeaderBytes, maxBodyBytes: maxBodyBytes)
    var requests: [HTTPRequest] = []
    for chunk in chunks {
        parser.append(chunk)
        while let request = try parser.nextRequest() { requests.append(request) }
    }
    try parser.finish()
    return requests
}

func parseResponses(_ chunks: [[UInt8]], method: HTTPMethod = .get) throws(HTTPParseError) -> [HTTPResponse] {
    var parser = HTTPResponseParser(requestMethod: method)
    var responses: [HTTPResponse] = []
    for chunk in chunks {
        parser.append(chunk)
        while let response = try parser.nextResponse() { responses.append(response) }
    }
    if let last = try parser.finish() { responses.append(last) }
    return responses
}

@Suite struct HTTPRequestParserTests {
    static let pipelined = bytes(
        "\r\nGET /metrics?x=1 HTTP/1.1\r\nHost: 127.0.0.1:9464\r\nAccept: text/plain\r\nX-Empty:\r\n\r\n"
            + "POST /v1/calls HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"to\":\"+1\"}\r\n"
            + "PUT /chunked HTTP/1.0\nTransfer-Encoding: chunked\nConnection: keep-alive\n\n"
            + "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n")

    @Test func pipelinedRequestsParseTheSameHowEverTheBytesArrive() throws {
        for way in pieces(Self.pipelined) {
            let requests = try parseRequests(way)
            try #require(requests.count == 3)
            #expect(requests[0].method == .get)
            #expect(requests[0].target == "/metrics?x=1")
            #expect(requests[0].path == "/metrics")
            #expect(requests[0].headers["host"] == "127.0.0.1:9464")
            #expect(requests[0].headers["X-Empty"] == "")
            #expect(requests[0].body.isEmpty)
            #expect(requests[0].keepAlive)
            #expect(requests[1].method == .post)
            #expect(requests[1].body == bytes("{\"to\":\"+1\"}\r\n"))
            #expect(requests[2].method == .put)
            #expect(requests[2].version == .http1_0)
            #expect(requests[2].body == bytes("hello, world"))
            #expect(requests[2].keepAlive)
            #expect(requests[2].headers.count == 2)
        }
    }

    @Test func connectionCloseAndHTTP10DefaultsEndTheConnection() throws {
        let requests = try parseRequests([bytes("GET / HTTP/1.1\r\nConnection: Keep-Alive, close\r\n\r\nGET / HTTP/1.0\r\n\r\n")])
        #expect(requests.map(\.keepAlive) == [false, false])
    }

    @Test(arguments: [
        ("GET /x HTTP/2.0\r\n\r\n", HTTPParseError.unsupportedVersion),
        ("GET  /x HTTP/1.1\r\n\r\n", .badStartLine),
        ("GET /x HTTP/1.1 extra\r\n\r\n", .badStartLine),
        ("GET /x HTTQ/1.1\r\n\r\n", .badStartLine),
        ("GET /x HTTP/1.1\r\nHost : x\r\n\r\n", .badHeader),
        ("GET /x HTTP/1.1\r\nNo colon here\r\n\r\n", .badHeader),
        ("GET /x HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n", .badHeader),
        ("POST /x HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", .badContentLength),
        ("POST /x HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", .badContentLength),
        ("POST /x HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", .conflictingFraming),
        ("POST /x HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", .unsupportedTransferEncoding),
        ("POST /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", .unsupportedTransferEncoding),
        ("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", .badChunk),
        ("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n", .badChunk),
        ("POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\nshort", .incompleteMessage),
        ("GET /x HTTP/1.1\r\nHost: cut", .incompleteMessage),
    ])
    func malformedRequestsFailWithTheirError(input: String, expected: HTTPParseError) {
        for way in pieces(bytes(input)) {
            #expect(throws: expected) { _ = try parseRequests(way) }
        }
    }

    @Test func aHeaderSectionOverTheLimitFailsBeforeItEnds() throws {
        // 16 KB of header: refused as soon as the limit is passed, not when the (never-ending) head ends.
        let head = bytes("GET / HTTP/1.1\r\nX-Big: " + String(repeating: "a", count: 16_400))
        var parser = HTTPRequestParser()
        parser.append(head)
        #expect(throws: HTTPParseError.headerTooLarge) { _ = try parser.nextRequest() }
        #expect(HTTPParseError.headerTooLarge.status == 431)
        // Many short lines add up the same way.
        let lines = "GET / HTTP/1.1\r\n" + String(repeating: "X-A: 0123456789\r\n", count: 1_000) + "\r\n"
        #expect(throws: HTTPParseError.headerTooLarge) { _ = try parseRequests([bytes(lines)]) }
        // Just under the limit is fine.
        let fits = "GET / HTTP/1.1\r\nX-A: " + String(repeating: "b", count: 100) + "\r\n\r\n"
        #expect(try parseRequests([bytes(fits)], maxHeaderBytes: fits.utf8.count).count == 1)
        #expect(throws: HTTPParseError.headerTooLarge) { _ = try parseRequests([bytes(fits)], maxHeaderBytes: fits.utf8.count - 1) }
    }

    @Test func aBodyOverTheLimitFailsAsSoonAsItsLengthIsKnown() throws {
        var parser = HTTPRequestParser(maxBodyBytes: 100)
        parser.append(bytes("POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n"))
        #expect(throws: HTTPParseError.bodyTooLarge) { _ = try parser.nextRequest() }
        // The parser stays failed.
        parser.append(bytes("GET / HTTP/1.1\r\n\r\n"))
        #expect(throws: HTTPParseError.bodyTooLarge) { _ = try parser.nextRequest() }
        let chunked = bytes("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n" + String(repeating: "x", count: 64)
            + "\r\n40\r\n" + String(repeating: "y", count: 64) + "\r\n0\r\n\r\n")
        #expect(throws: HTTPParseError.bodyTooLarge) { _ = try parseRequests([chunked], maxBodyBytes: 100) }
        #expect(try parseRequests([chunked], maxBodyBytes: 128).first?.body.count == 128)
    }
}

@Suite struct HTTPResponseParserTests {
    @Test func lengthChunkedAndInterimResponsesParseHowEverTheBytesArrive() throws {
        let input = bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello"
            + "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
            + "HTTP/1.1 204 No Content\r\n\r\n"
            + "HTTP/1.1 500 \r\nContent-Length: 0\r\n\r\n")
        for way in pieces(input) {
            let responses = try parseResponses(way)
            #expect(responses.map(\.status) == [200, 201, 204, 500])
            #expect(responses.map(\.reason) == ["OK", "Created", "No Content", ""])
            #expect(responses.first?.headers["content-type"] == "text/plain")
            #expect(responses.map(\.body) == [bytes("hello"), bytes("abc"), [], []])
        }
    }

    @Test func aBodyWithoutLengthRunsUntilTheConnectionCloses() throws {
        for way in pieces(bytes("HTTP/1.0 200 OK\r\nServer: old\r\n\r\nall of this\r\nis the body")) {
            let responses = try parseResponses(way)
            #expect(responses.count == 1)
            #expect(responses.first?.version == .http1_0)
            #expect(responses.first?.body == bytes("all of this\r\nis the body"))
        }
    }

    @Test func aResponseToHEADHasNoBodyWhateverItsLength() throws {
        let responses = try parseResponses([bytes("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n")], method: .head)
        #expect(responses.map(\.status) == [200])
        #expect(responses.first?.body == [])
    }

    @Test(arguments: [
        ("HTTP/1.1 2x0 OK\r\n\r\n", HTTPParseError.badStartLine),
        ("HTTP/1.1200 OK\r\n\r\n", .badStartLine),
        ("SIP/2.0 200 OK\r\n\r\n", .badStartLine),
        ("HTTP/2.0 200 OK\r\n\r\n", .unsupportedVersion),
        ("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", .incompleteMessage),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", .incompleteMessage),
        ("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", .badContentLength),
    ])
    func malformedResponsesFailWithTheirError(input: String, expected: HTTPParseError) {
        for way in pieces(bytes(input)) {
            #expect(throws: expected) { _ = try parseResponses(way) }
        }
    }
}
