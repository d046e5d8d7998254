import Foundation
import Glibc
import IO

/// Finds where a SIP host name's requests go (RFC 3263 §4.1–4.2: SRV, then A/AAAA), asking one DNS
/// server over UDP and keeping answers for their TTL.
///
/// Lookups block on a socket, so they run on a thread of the resolver's own, one at a time, never on
/// an event loop or the shared pool; callers await the answer. Cached answers return without a hop.
public final class DNSResolver: @unchecked Sendable {
    // @unchecked Sendable: `cache` is only touched under `cacheLock`; the rest never changes.
    public enum LookupError: Error, Sendable, Equatable, CustomStringConvertible {
        /// No server configured and none in /etc/resolv.conf.
        case noServer
        case badServer(String)
        case timedOut(server: String, name: String)
        /// RCODE other than 0 and 3 (RFC 1035 §4.1.1), such as 2 (server failure).
        case serverFailure(name: String, code: UInt8)
        case malformedAnswer(name: String)
        /// Neither SRV nor A/AAAA records for the name.
        case noAddress(String)

        public var description: String {
            switch self {
            case .noServer: "no DNS server: set sip.dnsServer or a nameserver in /etc/resolv.conf"
            case .badServer(let server): "DNS server \(server) is not an IP address and port"
            case .timedOut(let server, let name): "no answer from DNS server \(server) for \(name)"
            case .serverFailure(let name, let code): "DNS server failed to look up \(name) (rcode \(code))"
            case .malformedAnswer(let name): "malformed DNS answer for \(name)"
            case .noAddress(let name): "\(name) has no SRV, A or AAAA record (nor an address from /etc/hosts)"
            }
        }
    }

    private let server: SocketAddress?
    private let serverError: LookupError?
    private let timeout: Duration
    private let now: @Sendable () -> Duration
    private let cacheLock = NSLock()
    private var cache = DNSCache()
    private let queue = LookupQueue()

    /// - Parameters:
    ///   - server: `address:port` (`[v6]:port`; port 53 when left out) of the DNS server to ask; nil
    ///     uses the first `nameserver` of /etc/resolv.conf.
    ///   - timeout: how long to wait for each of two tries.
    ///   - now: the time for TTLs (tests pass a manual one).
    public init(server: String? = nil, timeout: Duration = .seconds(2),
                now: @escaping @Sendable () -> Duration = { ContinuousClock.now - DNSResolver.start }) {
        self.timeout = timeout
        self.now = now
        let text = server ?? Self.systemNameserver()
        if let text {
            if let address = Self.socketAddress(text) {
                self.server = address
                serverError = nil
            } else {
                self.server = nil
                serverError = .badServer(text)
            }
        } else {
            self.server = nil
            serverError = .noServer
        }
        // The thread holds only the queue; it ends when the resolver goes (deinit) and the queue is empty.
        let thread = Thread { [queue] in queue.run() }
        thread.name = "campaignd-dns"
        thread.start()
    }

    deinit {
        queue.stop()
    }

    public static let start = ContinuousClock.now

    /// Whether `host` is an IP address (no lookup needed).
    public static func isIPLiteral(_ host: String) -> Bool {
        (try? SocketAddress(host: SIPURI.bareHost(host), port: 0)) != nil
    }

    /// Where requests for `host` go, in the order to try them (RFC 3263 §4.2): an IP address as it
    /// is; with `srv`, the SRV targets of `_sip._udp.host` or `_sip._tcp.host` by priority and
    /// weight (RFC 2782), each target's addresses (A, then AAAA) on the SRV port; with no SRV
    /// records (or without `srv`: the configuration named a port), the addresses of `host` on
    /// `port`. A name DNS has no address for is looked up once more with the system's resolver
    /// (getaddrinfo: /etc/hosts and nsswitch), as trunk names were before DNS was asked directly.
    public func destinations(host: String, port: Int, transport: SIPTransportProtocol, srv: Bool = true) async throws(LookupError)
        -> [SIPDestination] {
        if Self.isIPLiteral(host) { return [SIPDestination(host: SIPURI.bareHost(host), port: port, transport: transport)] }
        var services: [SRVRecord] = []
        if srv {
            services = try await lookup("_sip._\(transport.rawValue).\(host)", .srv).compactMap { record -> SRVRecord? in
                if case .srv(_, let srv, _) = record { return srv }
                return nil
            }
        }
        var destinations: [SIPDestination] = []
        if services.isEmpty {
            var addresses = try await addresses(of: host)
            if addresses.isEmpty, let system = await systemAddress(of: host) { addresses = [system] }
            for address in addresses {
                destinations.append(SIPDestination(host: address, port: port, transport: transport))
            }
        } else {
            for srv in SRVRecord.ordered(services) {
                // A target without addresses is skipped (RFC 2782: try the next one).
                for address in (try? await addresses(of: srv.target)) ?? [] {
                    destinations.append(SIPDestination(host: address, port: Int(srv.port), transport: transport))
                }
            }
        }
        guard !destinations.isEmpty else { throw .noAddress(host) }
        return destinations
    }

    /// `name`'s address from getaddrinfo, on the resolver's thread (it blocks); nil if it has none.
    private func systemAddress(of name: String) async -> String? {
        await withCheckedContinuation { continuation in
            queue.enqueue { continuation.resume(returning: try? SocketAddress.resolve(host: name, port: 0).host) }
        }
    }

    /// The A and then AAAA addresses of `name`.
    public func addresses(of name: String) async throws(LookupError) -> [String] {
        var result: [String] = []
        for type in [DNSMessage.RecordType.a, .aaaa] {
            for record in try await lookup(name, type) {
                switch record {
                case .a(_, let address, _), .aaaa(_, let address, _): result.append(address)
                case .srv: break
                }
            }
        }
        return result
    }

    /// The records of `name`/`type`: from the cache while fresh, else asked of the server on the resolver's thread.
    public func lookup(_ name: String, _ type: DNSMessage.RecordType) async throws(LookupError) -> [DNSMessage.Record] {
        let cached = cacheLock.withLock { cache.lookup(name, type, at: now()) }
        if let cached { return cached }
        let result: Result<[DNSMessage.Record], LookupError> = await withCheckedContinuation { continuation in
            queue.enqueue { continuation.resume(returning: self.ask(name, type)) }
        }
        return try result.get()
    }

    /// One query, answered or not within two tries; on the resolver's thread.
    private func ask(_ name: String, _ type: DNSMessage.RecordType) -> Result<[DNSMessage.Record], LookupError> {
        guard let server else { return .failure(serverError ?? .noServer) }
        let id = UInt16.random(in: 0...UInt16.max)
        let query = DNSMessage.query(id: id, name: name, type: type)
        let fd = socket(Int32(server.family), Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(.timedOut(server: server.description, name: name)) }
        defer { close(fd) }
        let connected = server.withSockAddr { connect(fd, $0, $1) }
        guard connected == 0 else { return .failure(.timedOut(server: server.description, name: name)) }
        let waitMs = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        var buffer = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<2 {
            _ = query.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let left = deadline - ContinuousClock.now
                let leftMs = max(1, Int32(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
                guard poll(&poller, 1, min(leftMs, waitMs)) > 0 else { continue }
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                guard count > 0 else { continue }
                // An answer to another query (a late one from the first try) is not ours.
                guard let response = try? DNSMessage.parse(Array(buffer[0..<count])) else {
                    return .failure(.malformedAnswer(name: name))
                }
                guard response.id == id else { continue }
                switch response.responseCode {
                case 0, 3:
                    // NXDOMAIN and "no such type" both mean no records here: cached for the SOA's minimum.
                    let records = response.records.filter { record in
                        switch (record, type) {
                        case (.a, .a), (.aaaa, .aaaa), (.srv, .srv): true
                        default: false
                        }
                    }
                    cacheLock.withLock { cache.insert(name, type, records: records, negativeTTL: response.negativeTTL, at: now()) }
                    return .success(records)
                default:
                    return .failure(.serverFailure(name: name, code: response.responseCode))
                }
            }
        }
        return .failure(.timedOut(server: server.description, name: name))
    }

    /// `1.2.3.4`, `1.2.3.4:5353`, `::1`, `[::1]:5353` as a socket address (port 53 unless named); nil for anything else.
    public static func socketAddress(_ text: String) -> SocketAddress? {
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            let port = rest.isEmpty ? 53 : (rest.hasPrefix(":") ? Int(rest.dropFirst()) : nil)
            return port.flatMap { try? SocketAddress(host: host, port: $0) }
        }
        let parts = text.split(separator: ":")
        if parts.count == 2, let port = Int(parts[1]) { return try? SocketAddress(host: String(parts[0]), port: port) }
        return try? SocketAddress(host: text, port: 53)
    }

    /// The first `nameserver` line of /etc/resolv.conf.
    static func systemNameserver() -> String? {
        guard let text = try? String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.count >= 2, fields[0] == "nameserver" { return String(fields[1]) }
        }
        return nil
    }
}

/// The resolver thread's work: lookups run one at a time, in order.
private final class LookupQueue: @unchecked Sendable {
    // @unchecked Sendable: `jobs` and `stopping` are only touched under `condition`'s lock.
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var stopping = false

    func enqueue(_ job: @escaping () -> Void) {
        condition.withLock {
            jobs.append(job)
            condition.signal()
        }
    }

    func stop() {
        condition.withLock {
            stopping = true
            condition.signal()
        }
    }

    /// The thread's body: returns once stopped with nothing left to do.
    func run() {
        while true {
            condition.lock()
            while jobs.isEmpty, !stopping { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}
