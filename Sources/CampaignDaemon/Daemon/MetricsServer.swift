import Foundation
import Scheduler
#if canImport(Glibc)
import Glibc
#endif

/// Counters of the running dispatcher, fed from its events.
// @unchecked Sendable: `lock` guards every counter.
final class RunMetrics: @unchecked Sendable {
    private let lock = NSLock()
    private var started = 0
    private var answered = 0
    private var inFlight = 0
    private var failed: [String: Int] = [:]
    private var completed: [String: Int] = [:]

    func record(_ event: Dispatcher<ContinuousClock>.Event) {
        switch event {
        case .dialing:
            lock.withLock {
                started += 1
                inFlight += 1
            }
        case .finished(let record):
            lock.withLock {
                inFlight = max(0, inFlight - 1)
                if record.connectTime != nil {
                    answered += 1
                    completed[record.reasonCode, default: 0] += 1
                } else {
                    failed[record.reasonCode, default: 0] += 1
                }
            }
        case .deferred, .skippedDNC, .slotExpired, .trunkRateChanged, .callProgress, .waitingForMediaPorts, .error:
            break
        }
    }

    /// The Prometheus text exposition (version 0.0.4).
    func exposition(dispatch: DispatchMetrics, store: QueueStore) -> String {
        var lines: [String] = []
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for sample in samples { lines.append(name + sample.labels + " " + sample.value) }
        }
        func label(_ name: String, _ value: String) -> String {
            "{\(name)=\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"}"
        }
        let (started, answered, inFlight, failed, completed) = lock.withLock { (self.started, self.answered, self.inFlight, self.failed, self.completed) }
        metric("campaignd_calls_started_total", "counter", "Calls placed (attempts dialed).", [("", String(started))])
        metric("campaignd_calls_answered_total", "counter", "Calls answered.", [("", String(answered))])
        metric("campaignd_calls_failed_total", "counter", "Calls never answered, by reasonCode.",
               failed.sorted { $0.key < $1.key }.map { (label("reason", $0.key), String($0.value)) })
        metric("campaignd_calls_completed_total", "counter", "Answered calls that ended, by reasonCode.",
               completed.sorted { $0.key < $1.key }.map { (label("reason", $0.key), String($0.value)) })
        metric("campaignd_calls_in_flight", "gauge", "Calls in progress.", [("", String(inFlight))])
        metric("campaignd_token_wait_seconds_total", "counter", "Time spent waiting for rate-limit tokens.",
               [("", String(format: "%.3f", dispatch.tokenWaitSeconds))])
        let statuses = (try? store.campaignStatuses()) ?? []
        metric("campaignd_queue_depth", "gauge", "Contacts waiting to be dialed (pending or retry_wait), by campaign.",
               statuses.map { (label("campaign", $0.id), String($0.count(.pending) + $0.count(.retryWait))) })
        let backlog = (try? store.notificationBacklog()) ?? [:]
        metric("campaignd_notification_backlog", "gauge", "Webhooks not yet delivered (not given up), by campaign.",
               backlog.sorted { $0.key < $1.key }.map { (label("campaign", $0.key), String($0.value.pending)) })
        metric("campaignd_notifications_failed", "gauge", "Webhooks given up after maxRetryNo retries, by campaign.",
               backlog.sorted { $0.key < $1.key }.map { (label("campaign", $0.key), String($0.value.failed)) })
        return lines.joined(separator: "\n") + "\n"
    }
}

/// `run --metrics HOST:PORT`: GET /metrics in Prometheus text format, on a thread of its own with
/// its own read connection to the queue.
final class MetricsServer: @unchecked Sendable {
    // @unchecked Sendable: `lock` guards `stopped`; the socket and store are used only by the thread.
    private let lock = NSLock()
    private var stopped = false
    let port: Int

    enum Failure: Error, CustomStringConvertible {
        case badAddress(String)
        case cannotListen(String)

        var description: String {
            switch self {
            case .badAddress(let text): "--metrics takes HOST:PORT with an IPv4 host, such as 127.0.0.1:9464, not \"\(text)\""
            case .cannotListen(let reason): "cannot open the metrics port: \(reason)"
            }
        }
    }

    /// `HOST:PORT` as a socket address; checked before anything else starts.
    static func socketAddress(_ address: String) throws(Failure) -> sockaddr_in {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]), (0...65535).contains(port) else {
            throw Failure.badAddress(address)
        }
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, String(address[..<colon]), &socketAddress.sin_addr) == 1 else { throw Failure.badAddress(address) }
        return socketAddress
    }

    init(address: String, dataDirectory: String, metrics: RunMetrics, dispatch: DispatchMetrics) throws {
        var socketAddress = try Self.socketAddress(address)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var reuse: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, bound == 0, listen(fd, 16) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw Failure.cannotListen(reason)
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        nonisolated(unsafe) let store = try QueueStore(dataDirectory: dataDirectory)  // only the thread below uses it
        let thread = Thread { [self] in
            defer { close(fd) }
            while !lock.withLock({ stopped }) {
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, 200) > 0 else { continue }
                let client = accept(fd, nil, nil)
                guard client >= 0 else { continue }
                Self.serve(client, body: { metrics.exposition(dispatch: dispatch, store: store) })
                close(client)
            }
        }
        thread.name = "campaignd-metrics"
        thread.start()
    }

    func stop() {
        lock.withLock { stopped = true }
    }

    private static func serve(_ client: Int32, body: () -> String) {
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return }
        let requestLine = String(decoding: buffer[0..<count], as: UTF8.self).prefix { $0 != "\r" && $0 != "\n" }
        let parts = requestLine.split(separator: " ")
        let response: String
        if parts.count >= 2, parts[0] == "GET", parts[1] == "/metrics" || parts[1].hasPrefix("/metrics?") {
            let text = body()
            response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: \(text.utf8.count)\r\nConnection: close\r\n\r\n" + text
        } else {
            response = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        }
        let bytes = Array(response.utf8)
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return }
            offset += sent
        }
    }
}
