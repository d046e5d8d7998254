import Foundation
import IO
import Scheduler
import Telephony

/// Counters of the running dispatcher, fed from its events.
// @unchecked Sendable: `lock` guards every counter.
final class RunMetrics: @unchecked Sendable {
    private let lock = NSLock()
    private var started = 0
    private var answered = 0
    private var inFlight = 0
    private var failed: [String: Int] = [:]
    private var completed: [String: Int] = [:]
    /// Each trunk's dialing rate as back-pressure last set it (absent: never reduced).
    private var trunkRates: [String: Double] = [:]
    /// Each registering trunk's status, from the dialer (set once at start-up).
    private var registrationSource: (@Sendable () -> [String: RegistrationStateMachine.Status])?

    func readRegistrations(from source: @escaping @Sendable () -> [String: RegistrationStateMachine.Status]) {
        lock.withLock { registrationSource = source }
    }

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
                    completed[record.reasonCode?.rawValue ?? "unknown", default: 0] += 1
                } else {
                    failed[record.reasonCode?.rawValue ?? "unknown", default: 0] += 1
                }
            }
        case .released:
            // Claimed but never dialed (the queue was locked): no longer in flight.
            lock.withLock { inFlight = max(0, inFlight - 1) }
        case .trunkRateChanged(let trunk, let rate, _):
            lock.withLock { trunkRates[trunk] = rate }
        case .deferred, .skippedDNC, .slotExpired, .trunkPaused, .callProgress, .waitingForMediaPorts, .error:
            break
        }
    }

    /// What `GET /v1/status` reports: calls in progress, registering trunks' states, and trunk
    /// rates back-pressure has set.
    var snapshot: (inFlight: Int, registrations: [String: RegistrationStateMachine.Status], trunkRates: [String: Double]) {
        let (inFlight, source, rates) = lock.withLock { (self.inFlight, registrationSource, trunkRates) }
        return (inFlight, source?() ?? [:], rates)
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
        let registrations = (lock.withLock { registrationSource }?() ?? [:]).sorted { $0.key < $1.key }
        if !registrations.isEmpty {
            metric("campaignd_trunk_registered", "gauge", "1 while a registering trunk holds a binding with its registrar, else 0.",
                   registrations.map { trunk, status in
                       if case .registered = status { return (label("trunk", trunk), "1") }
                       return (label("trunk", trunk), "0")
                   })
            // A state set: 1 for the state each trunk is in, 0 for the others.
            metric("campaignd_trunk_registration_state", "gauge",
                   "A registering trunk's state: registering (no answer yet), registered, or failed (the last attempt; retried later).",
                   registrations.flatMap { trunk, status in
                       let current: String
                       switch status {
                       case .unregistered: current = "registering"
                       case .registered: current = "registered"
                       case .failed: current = "failed"
                       }
                       return ["registering", "registered", "failed"].map { state in
                           (String(label("trunk", trunk).dropLast()) + "," + String(label("state", state).dropFirst()), state == current ? "1" : "0")
                       }
                   })
        }
        let connect = dispatch.connectStatus
        if !connect.isEmpty {
            metric("campaignd_connect_calls", "gauge", "Calls connecting or connected to an agent or bot (onHuman.connect), by campaign.",
                   connect.map { (label("campaign", $0.campaignID), String($0.connected)) })
            metric("campaignd_connect_free_slots", "gauge", "Connect slots (onHuman.connect.maxConcurrent) not taken, by campaign.",
                   connect.map { (label("campaign", $0.campaignID), String($0.freeSlots)) })
            metric("campaignd_connect_waiting_calls", "gauge", "Calls in progress not yet connected (ringing or awaiting a verdict), by campaign.",
                   connect.map { (label("campaign", $0.campaignID), String($0.waiting)) })
            metric("campaignd_connect_dial_ratio", "gauge", "Calls dialed per free slot in force (1 = progressive), by campaign.",
                   connect.map { (label("campaign", $0.campaignID), String(format: "%.3f", $0.ratio)) })
            metric("campaignd_connect_abandon_rate", "gauge", "Abandoned calls per person put through over the last 30 days, by campaign.",
                   connect.map { (label("campaign", $0.campaignID), String(format: "%.4f", $0.abandonment.rateLast30Days)) })
        }
        let statuses = (try? store.campaignStatuses()) ?? []
        metric("campaignd_queue_depth", "gauge", "Contacts waiting to be dialed (pending or retry_wait), by campaign.",
               statuses.map { (label("campaign", $0.id), String($0.count(.pending) + $0.count(.retryWait))) })
        let backlog = (try? store.notificationBacklog()) ?? [:]
        metric("campaignd_notification_backlog", "gauge", "Webhooks not yet delivered (not given up), by campaign.",
               backlog.sorted { $0.key < $1.key }.map { (label("campaign", $0.key), String($0.value.pending)) })
        metric("campaignd_notifications_failed", "gauge", "Webhooks given up (notifications.retryForSec passed), by campaign.",
               backlog.sorted { $0.key < $1.key }.map { (label("campaign", $0.key), String($0.value.failed)) })
        return lines.joined(separator: "\n") + "\n"
    }
}

/// `run --metrics HOST:PORT`: GET /metrics in Prometheus text format, served by `HTTPServer` on an
/// event loop; the exposition is built on a serial queue of its own with its own read connection to
/// the queue (SQLite blocks: never on the loop or the task pool).
final class MetricsServer: Sendable {
    let port: Int
    /// The address served, with the real port ("127.0.0.1:9464", "[::1]:9464").
    let localAddress: SocketAddress
    private let server: HTTPServer
    /// The loop this server started for itself (none when it was given one), stopped with it.
    private let ownLoop: EventLoop?

    enum Failure: Error, CustomStringConvertible {
        case badAddress(String)
        case cannotListen(String)

        var description: String {
            switch self {
            case .badAddress(let text): "--metrics takes HOST:PORT with an IP address as host, such as 127.0.0.1:9464 or [::1]:9464, not \"\(text)\""
            case .cannotListen(let reason): "cannot open the metrics port: \(reason)"
            }
        }
    }

    /// The SQLite read connection, used only on `queue`.
    private final class StoreAccess: @unchecked Sendable {
        // @unchecked Sendable: `store` is used only on `queue` (serial).
        let queue = DispatchQueue(label: "campaignd.metrics")
        let store: QueueStore

        init(store: QueueStore) {
            self.store = store
        }
    }

    /// `HOST:PORT` as a socket address; checked before anything else starts.
    static func socketAddress(_ address: String) throws(Failure) -> SocketAddress {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]), (0...65535).contains(port),
              let socketAddress = try? SocketAddress(host: String(address[..<colon]), port: port)
        else {
            throw Failure.badAddress(address)
        }
        return socketAddress
    }

    /// Listens on `address` and serves on `loop` (or on a loop of its own).
    init(address: String, dataDirectory: String, metrics: RunMetrics, dispatch: DispatchMetrics, loop: EventLoop? = nil) throws {
        let socketAddress = try Self.socketAddress(address)
        let access = StoreAccess(store: try QueueStore(dataDirectory: dataDirectory))
        let ownLoop = loop == nil ? try EventLoop(name: "campaignd-metrics") : nil
        guard let serving = loop ?? ownLoop else { preconditionFailure("one of the two loops exists") }
        do {
            server = try HTTPServer(bind: socketAddress, on: serving, configuration: .init(headerTimeout: .seconds(5), maxConnections: 16)) { request, responder in
                guard request.method == .get || request.method == .head, request.path == "/metrics" else {
                    responder.respond(HTTPResponse(status: 404))
                    return
                }
                access.queue.async {
                    let text = metrics.exposition(dispatch: dispatch, store: access.store)
                    responder.respond(HTTPResponse(status: 200, contentType: "text/plain; version=0.0.4", text: text))
                }
            }
        } catch {
            ownLoop?.shutdown()
            throw Failure.cannotListen("\(error)")
        }
        self.ownLoop = ownLoop
        localAddress = server.localAddress
        port = localAddress.port
    }

    func stop() {
        server.close()
        ownLoop?.shutdown()
    }
}
