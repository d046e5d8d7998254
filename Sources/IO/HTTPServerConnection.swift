import Foundation

/// One connection of an `HTTPServer`: parses requests, hands them to the handler one at a time
/// (reading stops meanwhile, so pipelined requests wait in the parser and the kernel), writes each
/// response, then keeps the connection for the next request or closes it.
final class HTTPServerConnection: @unchecked Sendable {
    // @unchecked Sendable: `loop`, `connection`, `configuration`, `handler` and `onClose` never
    // change; the rest is touched only on the loop's thread (the connection's callbacks, the
    // timer, `respond` which the responder sends to the loop).
    private struct Awaiting {
        var sequence: Int
        var keepAlive: Bool
        var method: HTTPMethod
    }

    let loop: EventLoop
    private let connection: TCPConnection
    private let configuration: HTTPServer.Configuration
    private let handler: HTTPServer.Handler
    private let onClose: (HTTPServerConnection) -> Void
    private var parser: HTTPRequestParser
    private var awaiting: Awaiting?
    private var sequence = 0
    private var served = 0
    private var timer: EventLoop.TimerID?
    /// Whether `timer` is the idle timer (no byte of a request yet) rather than the request's.
    private var timerIsIdle = false
    private var closing = false
    /// A chunked response is being sent for the current request (`beginStream` … `endStream`).
    private var streaming = false
    /// Set once the connection has closed; read from any thread (a streaming producer stops then).
    private let gone = ClosedFlag()

    final class ClosedFlag: @unchecked Sendable {
        // @unchecked Sendable: `lock` guards `value`.
        private let lock = NSLock()
        private var value = false
        var isSet: Bool { lock.withLock { value } }
        func set() { lock.withLock { value = true } }
    }

    /// Whether the connection has closed (from any thread).
    var isClosed: Bool { gone.isSet }

    init(connection: TCPConnection, configuration: HTTPServer.Configuration, handler: @escaping HTTPServer.Handler,
         onClose: @escaping (HTTPServerConnection) -> Void) {
        loop = connection.loop
        self.connection = connection
        self.configuration = configuration
        self.handler = handler
        self.onClose = onClose
        parser = HTTPRequestParser(maxHeaderBytes: configuration.maxHeaderBytes, maxBodyBytes: configuration.maxBodyBytes)
    }

    /// Answers `status` on a connection the server will not serve, and closes it.
    static func refuse(_ connection: TCPConnection, with response: HTTPResponse) {
        connection.start(TCPConnection.Handlers(received: { _ in }))
        var response = response
        response.headers.set("Content-Length", String(response.body.count))
        response.headers.set("Connection", "close")
        connection.write(response.serialized())
        connection.close(afterFlushing: true)
    }

    func start() {
        connection.start(TCPConnection.Handlers(
            received: { [self] bytes in received(bytes) },
            inputClosed: { [self] in inputClosed() },
            closed: { [self] _ in closed() }))
        armTimer()
    }

    func close() {
        connection.close()
    }

    private func received(_ bytes: UnsafeRawBufferPointer) {
        if closing { return }
        parser.append(bytes)
        if timerIsIdle, parser.hasPartialMessage {
            // A request has begun: from now on it has `headerTimeout` to arrive whole.
            armTimer(idle: false)
        }
        processNext()
    }

    private func processNext() {
        guard awaiting == nil, !closing else { return }
        let request: HTTPRequest
        do {
            guard let next = try parser.nextRequest() else { return }
            request = next
        } catch {
            finish(with: configuration.refusal(error.status, "\(error)"))
            return
        }
        disarmTimer()
        sequence += 1
        served += 1
        awaiting = Awaiting(sequence: sequence, keepAlive: request.keepAlive && served < configuration.maxRequestsPerConnection,
                            method: request.method)
        connection.setReading(false)
        handler(request, HTTPResponder(connection: self, sequence: sequence))
    }

    /// Writes the response to request `sequence` (once), then goes on with the next request or closes.
    func respond(_ response: HTTPResponse, to sequence: Int) {
        guard let awaiting, awaiting.sequence == sequence, connection.isOpen else { return }
        self.awaiting = nil
        var response = response
        if !(100..<200).contains(response.status), response.status != 204, response.status != 304 {
            response.headers.set("Content-Length", String(response.body.count))
        }
        // RFC 9110 §9.3.2: HEAD gets the headers GET would, without the body.
        if awaiting.method == .head { response.body = [] }
        guard awaiting.keepAlive else {
            finish(with: response)
            return
        }
        connection.write(response.serialized())
        connection.setReading(true)
        armTimer()
        processNext()
    }

    /// Starts a chunked response to request `sequence` (RFC 9112 §7.1): the head now, the body in
    /// `streamChunk`s, until `endStream`. While it streams, the client's closing is noticed (reading
    /// goes on) and ends it.
    func beginStream(_ head: HTTPResponse, to sequence: Int) {
        guard let awaiting, awaiting.sequence == sequence, !streaming, connection.isOpen else { return }
        streaming = true
        var head = head
        head.headers.remove("Content-Length")
        head.headers.set("Transfer-Encoding", "chunked")
        if !awaiting.keepAlive { head.headers.set("Connection", "close") }
        head.body = []
        connection.write(head.serialized())
        connection.setReading(true)
    }

    func streamChunk(_ bytes: [UInt8], to sequence: Int) {
        guard streaming, awaiting?.sequence == sequence, connection.isOpen, !bytes.isEmpty else { return }
        connection.write(Array(String(bytes.count, radix: 16).utf8) + [13, 10] + bytes + [13, 10])
    }

    /// The last chunk; then on with the next request, or closes.
    func endStream(to sequence: Int) {
        guard streaming, let awaiting, awaiting.sequence == sequence, connection.isOpen else { return }
        streaming = false
        self.awaiting = nil
        connection.write(Array("0\r\n\r\n".utf8))
        guard awaiting.keepAlive else {
            closing = true
            connection.shutdownOutput()
            timer = loop.scheduleTimer(after: Self.lingerTime) { [weak self] in self?.connection.close() }
            return
        }
        armTimer()
        processNext()
    }

    /// Sends a last response with `Connection: close`, then half-closes and reads (and drops) what
    /// the client still sends until it closes too, or `lingerTime` passes. RFC 9112 §9.6: closing
    /// with unread bytes sends a reset, which may make the client drop the response unread.
    private func finish(with response: HTTPResponse) {
        guard !closing else { return }
        closing = true
        disarmTimer()
        var response = response
        response.headers.set("Connection", "close")
        if response.headers["Content-Length"] == nil { response.headers.set("Content-Length", String(response.body.count)) }
        connection.write(response.serialized())
        connection.shutdownOutput()
        connection.setReading(true)
        timer = loop.scheduleTimer(after: Self.lingerTime) { [weak self] in self?.connection.close() }
    }

    static let lingerTime = Duration.seconds(2)

    private func inputClosed() {
        // The client has sent all it will: answer what it asked (then close), or close now. A
        // stream goes on only for as long as someone reads it.
        if streaming {
            connection.close()
        } else if awaiting != nil, !closing {
            awaiting?.keepAlive = false
        } else {
            connection.close()
        }
    }

    private func closed() {
        gone.set()
        disarmTimer()
        awaiting = nil
        onClose(self)
    }

    private func armTimer(idle: Bool = true) {
        disarmTimer()
        let idle = idle && configuration.idleTimeout != nil && !parser.hasPartialMessage
        timerIsIdle = idle
        let timeout = idle ? configuration.idleTimeout ?? configuration.headerTimeout : configuration.headerTimeout
        timer = loop.scheduleTimer(after: timeout) { [weak self] in
            guard let self else { return }
            timer = nil
            if parser.hasPartialMessage {
                finish(with: configuration.refusal(408, "request not received in time"))
            } else {
                connection.close()
            }
        }
    }

    private func disarmTimer() {
        if let timer { loop.cancelTimer(timer) }
        timer = nil
        timerIsIdle = false
    }
}
