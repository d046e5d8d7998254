/// One request of `HTTPClient` on its loop: connect (with the connect timeout), write the request,
/// parse the response until it is complete (within the read timeout), then close. Reports once.
final class HTTPClientExchange: @unchecked Sendable {
    // @unchecked Sendable: made on any thread with its constant inputs; everything it changes
    // (`completion`, `connection`, `parser`, `readTimer`, `finished`, `cancelled`) is touched only
    // on `loop`'s thread, where `HTTPClient` sends `attach`, `start`, `fail` and `cancel`.
    typealias Completion = @Sendable (Result<HTTPResponse, HTTPClientError>) -> Void

    private let loop: EventLoop
    private let request: [UInt8]
    private let timeouts: HTTPClient.Timeouts
    private var parser: HTTPResponseParser
    private var completion: Completion?
    private var connection: TCPConnection?
    private var readTimer: EventLoop.TimerID?
    private var finished = false
    private var cancelled = false

    init(loop: EventLoop, request: [UInt8], method: HTTPMethod, timeouts: HTTPClient.Timeouts, maxResponseBytes: Int) {
        self.loop = loop
        self.request = request
        self.timeouts = timeouts
        parser = HTTPResponseParser(requestMethod: method, maxBodyBytes: maxResponseBytes)
    }

    func attach(_ completion: @escaping Completion) {
        self.completion = completion
        if cancelled { finish(.failure(.cancelled)) }
    }

    /// From any thread.
    func cancel() {
        loop.execute { [self] in
            cancelled = true
            if completion != nil { finish(.failure(.cancelled)) }
        }
    }

    func fail(_ error: HTTPClientError) {
        finish(.failure(error))
    }

    func start(to address: SocketAddress) {
        guard !finished else { return }
        let timeouts = self.timeouts
        TCPConnection.connect(to: address, on: loop, timeout: timeouts.connect) { [self] result in
            switch result {
            case .failure(let error):
                finish(.failure(error.code == .timedOut ? .connectTimedOut(timeouts.connect) : .connectFailed(error)))
            case .success(let connection):
                guard !finished else {
                    connection.close()
                    return
                }
                self.connection = connection
                readTimer = loop.scheduleTimer(after: timeouts.read) { [self] in
                    readTimer = nil
                    finish(.failure(.readTimedOut(timeouts.read)))
                }
                connection.start(TCPConnection.Handlers(
                    received: { [self] bytes in received(bytes) },
                    closed: { [self] error in closed(error) }))
                connection.write(request)
            }
        }
    }

    private func received(_ bytes: UnsafeRawBufferPointer) {
        guard !finished else { return }
        parser.append(bytes)
        do {
            if let response = try parser.nextResponse() { finish(.success(response)) }
        } catch {
            finish(.failure(.malformedResponse(error)))
        }
    }

    private func closed(_ error: IOError?) {
        guard !finished else { return }
        if let error {
            finish(.failure(.connectionFailed(error)))
            return
        }
        do {
            if let response = try parser.finish() {
                finish(.success(response))
            } else {
                finish(.failure(.connectionFailed(nil)))
            }
        } catch .incompleteMessage {
            finish(.failure(.connectionFailed(nil)))
        } catch {
            finish(.failure(.malformedResponse(error)))
        }
    }

    private func finish(_ result: Result<HTTPResponse, HTTPClientError>) {
        guard !finished else { return }
        finished = true
        if let readTimer { loop.cancelTimer(readTimer) }
        readTimer = nil
        let connection = self.connection
        self.connection = nil
        connection?.close()
        let completion = self.completion
        self.completion = nil
        completion?(result)
    }
}
