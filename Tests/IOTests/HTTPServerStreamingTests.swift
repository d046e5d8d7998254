import Foundation
import Glibc
import IO
import Testing

/// The server's idle timeout apart from its header timeout, and streamed (chunked) responses.
extension HTTPServerTests {
    @Test func anIdleConnectionWaitsForTheIdleTimeoutAndABegunRequestForTheHeaderTimeout() async throws {
        let clock = ManualLoopClock()
        let loop = try EventLoop(name: "test-http-server-idle", clock: clock)
        defer { loop.shutdown() }
        let server = try HTTPServer(bind: SocketAddress(host: "127.0.0.1", port: 0), on: loop,
                                    configuration: .init(headerTimeout: .seconds(5), idleTimeout: .seconds(60))) { _, responder in
            responder.respond(HTTPResponse(status: 200))
        }
        defer { server.close() }
        let idle = try RawSocket.connect(to: server.localAddress)
        let late = try RawSocket.connect(to: server.localAddress)
        for _ in 0..<3 { await loop.submit {} }
        // 30 s of silence is within the idle timeout: a request then is served.
        await clock.advance(by: .seconds(30))
        #expect(text(await exchange(idle, sending: Array("GET / HTTP/1.1\r\n\r\n".utf8), until: { $0.count >= 38 }))
            == "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        // A request begun at 30 s has the header timeout from then, not what is left of the idle one.
        late.send(Array("GET /slow".utf8))
        for _ in 0..<3 { await loop.submit {} }
        await clock.advance(by: .seconds(5))
        #expect(text(await exchange(late, until: { _ in false })).hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))
        // The served connection idles again, and is closed after 60 s of it.
        await clock.advance(by: .seconds(60))
        #expect(await exchange(idle, until: { _ in false }).isEmpty)
    }

    @Test func aStreamedResponseIsChunkedAndTheConnectionGoesOnAfterIt() async throws {
        let loop = try EventLoop(name: "test-http-server-stream")
        defer { loop.shutdown() }
        let server = try HTTPServer(bind: SocketAddress(host: "127.0.0.1", port: 0), on: loop) { request, responder in
            guard request.path == "/stream" else {
                responder.respond(HTTPResponse(status: 200, body: Array("after".utf8)))
                return
            }
            // From another thread, as an endpoint reading files does.
            Thread.detachNewThread {
                responder.beginStream(HTTPResponse(status: 200, headers: ["Content-Type": "application/x-ndjson"]))
                responder.send(Array("{\"n\":1}\n".utf8))
                responder.send([])
                responder.send(Array("{\"n\":2}\n".utf8))
                responder.finish()
            }
        }
        defer { server.close() }
        let socket = try RawSocket.connect(to: server.localAddress)
        let answer = text(await exchange(socket, sending: Array("GET /stream HTTP/1.1\r\n\r\nGET /next HTTP/1.1\r\n\r\n".utf8),
                                         until: { String(decoding: $0, as: UTF8.self).hasSuffix("after") }))
        #expect(answer == "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "8\r\n{\"n\":1}\n\r\n8\r\n{\"n\":2}\n\r\n0\r\n\r\n"
            + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nafter")
        // What a client reads back through the response parser is the body whole.
        var parser = HTTPResponseParser(requestMethod: .get)
        parser.append(Array(answer.utf8))
        #expect(try parser.nextResponse()?.body == Array("{\"n\":1}\n{\"n\":2}\n".utf8))
    }

    @Test func aStreamEndsWhenItsClientGoes() async throws {
        let loop = try EventLoop(name: "test-http-server-stream-gone")
        defer { loop.shutdown() }
        let responders = Responders()
        let server = try HTTPServer(bind: SocketAddress(host: "127.0.0.1", port: 0), on: loop) { _, responder in
            responder.beginStream(HTTPResponse(status: 200))
            responders.add(responder)
        }
        defer { server.close() }
        do {
            let socket = try RawSocket.connect(to: server.localAddress)
            _ = await exchange(socket, sending: Array("GET /follow HTTP/1.1\r\n\r\n".utf8), until: { String(decoding: $0, as: UTF8.self).contains("\r\n\r\n") })
        }  // closed here
        let deadline = ContinuousClock.now.advanced(by: .seconds(5))
        while ContinuousClock.now < deadline, responders.first?.isClosed != true { try await Task.sleep(for: .milliseconds(5)) }
        #expect(responders.first?.isClosed == true)
    }

    final class Responders: @unchecked Sendable {
        // @unchecked Sendable: `lock` guards `all`.
        private let lock = NSLock()
        private var all: [HTTPResponder] = []
        func add(_ responder: HTTPResponder) { lock.withLock { all.append(responder) } }
        var first: HTTPResponder? { lock.withLock { all.first } }
    }
}
