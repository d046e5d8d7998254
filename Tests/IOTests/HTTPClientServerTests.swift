import Foundation
import IO
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A TCP server that answers every request with fixed bytes (or never), recording what it read.
func scriptedServer(on loop: EventLoop, answer: [UInt8]?, probe: TCPProbe) throws -> TCPListener {
    try TCPListener(bind: SocketAddress(host: "127.0.0.1", port: 0), on: loop) { connection in
        var head: [UInt8] = []
        connection.start(probe.handlers(onReceive: { bytes in
            head += bytes
            if let answer, head.firstRange(of: [13, 10, 13, 10]) != nil {
                connection.write(answer)
                connection.close(afterFlushing: true)
            }
        }))
    }
}

@Suite struct HTTPClientTests {
    @Test func postsToTheServerAndReadsItsResponse() async throws {
        let loop = try EventLoop(name: "test-http-roundtrip")
        defer { loop.shutdown() }
        let server = try HTTPServer(bind: SocketAddress(host: "127.0.0.1", port: 0), on: loop) { request, responder in
            let text = "\(request.method) \(request.target) host=\(request.headers["Host"] ?? "-") body=\(String(decoding: request.body, as: UTF8.self))"
            responder.respond(HTTPResponse(status: 201, headers: ["X-Seen": "yes"], body: Array(text.utf8)))
        }
        defer { server.close() }
        let client = HTTPClient(loop: loop)
        let endpoint = try HTTPEndpoint(url: "http://127.0.0.1:\(server.localAddress.port)/hooks/a?x=1")
        let response = try await client.send(HTTPRequest(method: .post, target: "/", headers: ["Content-Type": "application/json"],
                                                         body: Array("{\"a\":1}".utf8)),
                                             to: endpoint, timeouts: .init(connect: .seconds(2), read: .seconds(2)))
        #expect(response.status == 201)
        #expect(response.reason == "Created")
        #expect(response.headers["x-seen"] == "yes")
        #expect(String(decoding: response.body, as: UTF8.self)
            == "POST /hooks/a?x=1 host=127.0.0.1:\(server.localAddress.port) body={\"a\":1}")
    }

    @Test func readsChunkedAndUntilCloseBodiesFromARawServer() async throws {
        let loop = try EventLoop(name: "test-http-raw")
        defer { loop.shutdown() }
        let client = HTTPClient(loop: loop)
        let timeouts = HTTPClient.Timeouts(connect: .seconds(2), read: .seconds(2))
        for (answer, body) in [
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n", "Wikipedia"),
            ("HTTP/1.0 200 OK\r\n\r\nuntil the end", "until the end"),
        ] {
            let probe = TCPProbe()
            let listener = try scriptedServer(on: loop, answer: Array(answer.utf8), probe: probe)
            defer { listener.close() }
            let response = try await client.send(HTTPRequest(method: .get, target: "/x"), host: "127.0.0.1",
                                                 port: listener.localAddress.port, timeouts: timeouts)
            #expect(String(decoding: response.body, as: UTF8.self) == body)
            let request = String(decoding: probe.received, as: UTF8.self)
            #expect(request.hasPrefix("GET /x HTTP/1.1\r\n"))
            #expect(request.contains("\r\nConnection: close\r\n"))
            #expect(request.contains("\r\nHost: 127.0.0.1:\(listener.localAddress.port)\r\n"))
        }
    }

    /// A receiver that accepts and never answers fails the request when the read timeout passes on
    /// the loop's clock, and does not hold up another request on the same loop meanwhile.
    @Test func aSilentReceiverFailsByTheReadTimeoutWithoutHoldingUpOthers() async throws {
        let clock = ManualLoopClock()
        let loop = try EventLoop(name: "test-http-silent", clock: clock)
        defer { loop.shutdown() }
        let silent = TCPProbe()
        let silentListener = try scriptedServer(on: loop, answer: nil, probe: silent)
        defer { silentListener.close() }
        let answering = try HTTPServer(bind: SocketAddress(host: "127.0.0.1", port: 0), on: loop) { _, responder in
            responder.respond(HTTPResponse(status: 200))
        }
        defer { answering.close() }
        let client = HTTPClient(loop: loop)
        let timeouts = HTTPClient.Timeouts(connect: .seconds(1), read: .seconds(3))
        let outcome = Box<Result<HTTPResponse, HTTPClientError>>()
        client.send(HTTPRequest(method: .post, target: "/hook", body: [1, 2, 3]), host: "127.0.0.1", port: silentListener.localAddress.port,
                    timeouts: timeouts) { outcome.set($0) }
        #expect(await silent.wait { $0.received.count > 0 })
        // The other request is answered while the first still waits.
        let other = try await client.send(HTTPRequest(method: .get, target: "/"), host: "127.0.0.1", port: answering.localAddress.port,
                                          timeouts: timeouts)
        #expect(other.status == 200)
        #expect(outcome.value == nil)
        await clock.advance(by: .milliseconds(2999))
        #expect(outcome.value == nil)
        await clock.advance(by: .milliseconds(1))
        let result = try #require(await outcome.wait())
        #expect(throws: HTTPClientError.readTimedOut(.seconds(3))) { try result.get() }
        // The client closed its side: the silent receiver sees the end of the connection.
        #expect(await silent.wait { $0.closed != nil })
    }

    @Test func aSilentReceiverFailsByTheReadTimeoutInRealTime() async throws {
        let loop = try EventLoop(name: "test-http-silent-real")
        defer { loop.shutdown() }
        let silent = TCPProbe()
        let listener = try scriptedServer(on: loop, answer: nil, probe: silent)
        defer { listener.close() }
        let started = ContinuousClock.now
        await #expect(throws: HTTPClientError.readTimedOut(.milliseconds(300))) {
            _ = try await HTTPClient(loop: loop).send(HTTPRequest(method: .get, target: "/"), host: "127.0.0.1",
                                                      port: listener.localAddress.port,
                                                      timeouts: .init(connect: .seconds(1), read: .milliseconds(300)))
        }
        // Not before the timeout; the exact instant is the manual-clock test's business (a loaded
        // machine may run this task late), so the upper bound only says it did not hang.
        let elapsed = ContinuousClock.now - started
        #expect(elapsed >= .milliseconds(300) && elapsed < .seconds(60))
        #expect(HTTPClientError.readTimedOut(.milliseconds(300)).description == "no response within 0.3 s")
    }

    @Test func aRefusedConnectionAndAMalformedResponseAreReported() async throws {
        let loop = try EventLoop(name: "test-http-errors")
        defer { loop.shutdown() }
        let client = HTTPClient(loop: loop)
        let timeouts = HTTPClient.Timeouts(connect: .seconds(2), read: .seconds(2))
        let closed = try TCPListener(bind: SocketAddress(host: "127.0.0.1", port: 0), on: loop) { $0.close() }
        let port = closed.localAddress.port
        closed.close()
        await loop.submit {}
        do {
            _ = try await client.send(HTTPRequest(method: .get, target: "/"), host: "127.0.0.1", port: port, timeouts: timeouts)
            Issue.record("a closed port answered")
        } catch {
            guard case .connectFailed(let cause) = error else {
                Issue.record("expected connectFailed, got \(error)")
                return
            }
            #expect(cause.errno == ECONNREFUSED)
            #expect(error.description.hasPrefix("cannot connect: "))
        }
        let probe = TCPProbe()
        let garbage = try scriptedServer(on: loop, answer: Array("SSH-2.0-OpenSSH_9.6\r\n\r\n".utf8), probe: probe)
        defer { garbage.close() }
        await #expect(throws: HTTPClientError.malformedResponse(.badStartLine)) {
            _ = try await client.send(HTTPRequest(method: .get, target: "/"), host: "127.0.0.1", port: garbage.localAddress.port,
                                      timeouts: timeouts)
        }
        // Header injection through a value is refused before anything is sent.
        await #expect(throws: HTTPClientError.invalidHeader("X-Evil")) {
            _ = try await client.send(HTTPRequest(method: .get, target: "/", headers: ["X-Evil": "a\r\nInjected: b"]), host: "127.0.0.1",
                                      port: garbage.localAddress.port, timeouts: timeouts)
        }
    }

    @Test func aConnectThatDoesNotCompleteFailsByTheConnectTimeout() async throws {
        let clock = ManualLoopClock()
        let loop = try EventLoop(name: "test-http-connect-timeout", clock: clock)
        defer { loop.shutdown() }
        // A full backlog (0 holds one connection, which nobody accepts) leaves the next connect pending.
        let backlogFull = try RawSocket.listen(on: SocketAddress(host: "127.0.0.1", port: 0), backlog: 0)
        let first = try await TCPConnection.connect(to: backlogFull.address, on: loop, timeout: .seconds(5))
        let outcome = Box<Result<HTTPResponse, HTTPClientError>>()
        HTTPClient(loop: loop).send(HTTPRequest(method: .get, target: "/"), host: "127.0.0.1", port: backlogFull.address.port,
                                    timeouts: .init(connect: .seconds(1), read: .seconds(30))) { outcome.set($0) }
        await loop.submit {}
        await clock.advance(by: .milliseconds(999))
        #expect(outcome.value == nil)
        await clock.advance(by: .milliseconds(1))
        let result = try #require(await outcome.wait())
        #expect(throws: HTTPClientError.connectTimedOut(.seconds(1))) { try result.get() }
        #expect(HTTPClientError.connectTimedOut(.seconds(1)).description == "connect timed out after 1 s")
        await loop.submit { first.close() }
    }

    @Test func cancellingTheTaskEndsTheRequest() async throws {
        let loop = try EventLoop(name: "test-http-cancel")
        defer { loop.shutdown() }
        let silent = TCPProbe()
        let listener = try scriptedServer(on: loop, answer: nil, probe: silent)
        defer { listener.close() }
        let client = HTTPClient(loop: loop)
        let task = Task {
            try await client.send(HTTPRequest(method: .get, target: "/"), host: "127.0.0.1", port: listener.localAddress.port,
                                  timeouts: .init(connect: .seconds(5), read: .seconds(60)))
        }
        #expect(await silent.wait { $0.received.count > 0 })
        task.cancel()
        await #expect(throws: HTTPClientError.cancelled) { _ = try await task.value }
        #expect(await silent.wait { $0.closed != nil })
    }

    @Test func urlsParseIntoEndpointsAndHTTPSIsRefusedClearly() throws {
        let endpoint = try HTTPEndpoint(url: "http://user:pw@hooks.example.com:8080/a/b?x=1")
        #expect(endpoint == HTTPEndpoint(host: "hooks.example.com", port: 8080, target: "/a/b?x=1"))
        #expect(endpoint.authority == "hooks.example.com:8080")
        #expect(try HTTPEndpoint(url: "http://127.0.0.1").target == "/")
        #expect(try HTTPEndpoint(url: "http://127.0.0.1").port == 80)
        #expect(try HTTPEndpoint(url: "http://[::1]:9000/x").authority == "[::1]:9000")
        #expect(throws: HTTPClientError.httpsNotSupported) { try HTTPEndpoint(url: "https://example.com/") }
        #expect(HTTPClientError.httpsNotSupported.description.contains("https is not supported by this client"))
        #expect(HTTPClientError.httpsNotSupported.isPermanent)
        #expect(throws: HTTPClientError.badURL("ftp://x")) { try HTTPEndpoint(url: "ftp://x") }
        #expect(throws: HTTPClientError.badURL("not a url")) { try HTTPEndpoint(url: "not a url") }
    }
}

@Suite struct HTTPServerTests {
    /// Sends `bytes` on a blocking socket, then reads until `done` says the bytes are complete, the
    /// peer closes, or 5 s pass; on a thread of its own, so no thread of the task pool is blocked.
    func exchange(_ socket: borrowing RawSocket, sending bytes: [UInt8] = [], until done: @escaping @Sendable ([UInt8]) -> Bool) async -> [UInt8] {
        let fd = socket.fd
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                var timeout = timeval(tv_sec: 5, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                var received: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 4096)
                while !done(received) {
                    let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                    if count <= 0 { break }
                    received += buffer[..<count]
                }
                continuation.resume(returning: received)
            }
        }
    }

    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    func counting(_ needle: String) -> @Sendable ([UInt8]) -> Bool {
        { bytes in String(decoding: bytes, as: UTF8.self).components(separatedBy: needle).count - 1 >= 2 }
    }

    @Test func keepsTheConnectionForPipelinedRequestsAndAnswersThemInOrder() async throws {
        let loop = try EventLoop(name: "test-http-server-keepalive")
        defer { loop.shutdown() }
        // The second request's answer is made on another thread, later than the first's.
        let server = try HTTPServer(bind: SocketAddress(host: "127.0.0.1", port: 0), on: loop) { request, responder in
            let body = Array("you asked for \(request.path)".utf8)
            if request.path == "/slow" {
                Thread.detachNewThread {
                    usleep(50_000)
                    responder.respond(HTTPResponse(status: 200, body: body))
                }
            } else {
                responder.respond(HTTPResponse(status: 200, body: body))
            }
        }
        defer { server.close() }
        let socket = try RawSocket.connect(to: server.localAddress)
        let answers = text(await exchange(socket, sending: Array("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\n".utf8),
                                          until: counting("you asked for /")))
        #expect(answers == "HTTP/1.1 200 OK\r\nContent-Length: 19\r\n\r\nyou asked for /slow"
            + "HTTP/1.1 200 OK\r\nContent-Length: 19\r\n\r\nyou asked for /fast")
        // Still open: a third request on the same connection, asking to close.
        let last = text(await exchange(socket, sending: Array("HEAD /last HTTP/1.1\r\nConnection: close\r\n\r\n".utf8), until: { _ in false }))
        #expect(last == "HTTP/1.1 200 OK\r\nContent-Length: 19\r\nConnection: close\r\n\r\n")
    }

    @Test func malformedAndOversizedRequestsGetTheirStatusAndTheConnectionCloses() async throws {
        let loop = try EventLoop(name: "test-http-server-errors")
        defer { loop.shutdown() }
        let server = try HTTPServer(bind: SocketAddress(host: "127.0.0.1", port: 0), on: loop,
                                    configuration: .init(maxHeaderBytes: 1024, maxBodyBytes: 10)) { _, responder in
            responder.respond(HTTPResponse(status: 200))
        }
        defer { server.close() }
        for (request, status) in [
            // Far more than the limit, still arriving when the server has answered.
            ("GET /x HTTP/1.1\r\nX-Big: " + String(repeating: "a", count: 300_000) + "\r\n\r\n", "431"),
            ("POST /x HTTP/1.1\r\nContent-Length: 11\r\n\r\n", "413"),
            ("GET /x HTTP/1.1\r\nBad Header\r\n\r\n", "400"),
            ("GET /x HTTP/3.0\r\n\r\n", "505"),
        ] {
            let socket = try RawSocket.connect(to: server.localAddress)
            let answer = text(await exchange(socket, sending: Array(request.utf8), until: { _ in false }))
            #expect(answer.hasPrefix("HTTP/1.1 \(status) "), "\(request.prefix(40)): \(answer)")
            #expect(answer.contains("\r\nConnection: close\r\n"))
        }
    }

    @Test func anIncompleteRequestGets408AtTheHeaderTimeoutAndAnIdleConnectionIsClosed() async throws {
        let clock = ManualLoopClock()
        let loop = try EventLoop(name: "test-http-server-timeout", clock: clock)
        defer { loop.shutdown() }
        let server = try HTTPServer(bind: SocketAddress(host: "127.0.0.1", port: 0), on: loop,
                                    configuration: .init(headerTimeout: .seconds(5))) { _, responder in
            responder.respond(HTTPResponse(status: 200))
        }
        defer { server.close() }
        let partial = try RawSocket.connect(to: server.localAddress)
        let idle = try RawSocket.connect(to: server.localAddress)
        partial.send(Array("GET /never-fin".utf8))
        // Let the loop accept both (one turn) and read the partial request (the next) before time moves.
        for _ in 0..<3 { await loop.submit {} }
        await clock.advance(by: .seconds(5))
        #expect(text(await exchange(partial, until: { _ in false })).hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))
        #expect(await exchange(idle, until: { _ in false }).isEmpty)
    }

    @Test func connectionsBeyondTheLimitAreRefusedWith503() async throws {
        let loop = try EventLoop(name: "test-http-server-limit")
        defer { loop.shutdown() }
        let server = try HTTPServer(bind: SocketAddress(host: "127.0.0.1", port: 0), on: loop,
                                    configuration: .init(maxConnections: 1)) { _, responder in
            responder.respond(HTTPResponse(status: 200))
        }
        defer { server.close() }
        let first = try RawSocket.connect(to: server.localAddress)
        let answer = await exchange(first, sending: Array("GET / HTTP/1.1\r\n\r\n".utf8),
                                    until: { String(decoding: $0, as: UTF8.self).hasSuffix("\r\n\r\n") })
        #expect(text(answer).hasPrefix("HTTP/1.1 200 OK"))
        let second = try RawSocket.connect(to: server.localAddress)
        #expect(text(await exchange(second, until: { _ in false })).hasPrefix("HTTP/1.1 503 "))
    }
}
