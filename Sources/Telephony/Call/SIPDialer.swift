import Foundation
import IO

/// Places calls over SIP/UDP: builds each INVITE with its SDP offer, runs one `OutboundCall` per
/// call and routes what arrives on the socket to the call it belongs to (by Call-ID).
///
/// Each call is pinned to one loop of the group for its life: its SIP state machine, timers and
/// media run there. Datagrams on the SIP socket are parsed on the SIP loop and handed to the call's
/// loop (run at once when it is the same loop); only call-level events leave the loops.
///
/// Bad input from the network never reaches a call: malformed datagrams are dropped and counted,
/// responses for unknown calls are ignored, and out-of-dialog requests get no dialog (481 from a
/// trunk, silence from anyone else). Only a datagram for a call in progress or a request from a
/// trunk is parsed in full; anything else is judged by its start line and Call-ID.
public final class SIPDialer: Dialer, @unchecked Sendable {
    // @unchecked Sendable: the stored properties never change after init and are Sendable themselves
    // (`calls` and `ports` lock inside), except `tickers`, which is read-only after init and whose
    // tickers are each used only on their own loop, `lazyResolver`, which is only touched under `resolverLock`,
    // and `holdOff`, which is only touched under `holdOffLock`.
    public struct Configuration: Sendable {
        /// The address put in Via, Contact and the SDP.
        public var advertisedHost: String
        /// RTP ports offered in the SDP and bound for calls with a script (RTCP on each port + 1).
        public var rtpPorts: ClosedRange<Int>
        public var timing: SIPTiming
        public var trunks: [SIPTrunk]
        public var userAgent: String
        /// `media.inactivityTimeoutSec`: no RTP from the callee for this long ends an answered call.
        public var mediaInactivityTimeout: Duration
        /// Told each registering trunk's new status, on the SIP loop (for the log).
        public var registrationObserver: (@Sendable (_ trunk: String, _ status: RegistrationStateMachine.Status) -> Void)?
        /// The first wait after a failed registration (doubling per failure in a row, up to ten minutes).
        public var registrationRetry: Duration = .seconds(30)
        /// The DNS server (`address[:port]`) asked for trunk host names; nil asks the first
        /// nameserver of /etc/resolv.conf. For tests and split-horizon setups.
        public var dnsServer: String?

        public init(advertisedHost: String, rtpPorts: ClosedRange<Int> = 20000...29999, timing: SIPTiming = .standard,
                    trunks: [SIPTrunk] = [], userAgent: String = "campaignd", mediaInactivityTimeout: Duration = .seconds(30)) {
            self.advertisedHost = advertisedHost
            self.rtpPorts = rtpPorts
            self.timing = timing
            self.trunks = trunks
            self.userAgent = userAgent
            self.mediaInactivityTimeout = mediaInactivityTimeout
        }
    }

    /// What arrived that no call could use.
    public struct Counters: Sendable, Equatable {
        public var malformed = 0
        public var unknownResponses = 0
        public var strayRequests = 0
        /// Messages framed from TCP connections.
        public var streamMessages = 0
    }

    private let group: EventLoopGroup
    private let transport: SIPTransport
    private let configuration: Configuration
    private let calls: SIPCallTable
    private let ports: RTPPortPool
    private let tickers: [ObjectIdentifier: MediaTicker]
    private let unboundPorts = Counter()
    private let closed: AsyncStream<Void>.Continuation
    private let closedSignal: AsyncStream<Void>
    private let resolverLock = NSLock()
    private var lazyResolver: DNSResolver?
    /// Made on the first call to a trunk named by host name (its thread is only started then).
    private var resolver: DNSResolver {
        resolverLock.withLock {
            if let lazyResolver { return lazyResolver }
            let made = DNSResolver(server: configuration.dnsServer)
            lazyResolver = made
            return made
        }
    }
    private let holdOffLock = NSLock()
    private var holdOff = TrunkTargetHoldOff()
    public var counters: Counters { calls.counters }

    /// Monotonic time for `holdOff`.
    private static func now() -> Duration { ContinuousClock.now - DNSResolver.start }

    /// Opens the SIP socket on `host:port` (port 0 picks one) on the first loop of `group`; calls
    /// are spread over all its loops.
    public init(host: String, port: Int, group: EventLoopGroup, configuration: Configuration) throws(IOError) {
        let calls = SIPCallTable()
        let trunkHosts = Set(configuration.trunks.map(\.host))
        // The handler needs the transport to answer strays; it is set once the transport exists.
        let reply = TransportBox()
        transport = try SIPTransport(
            host: host, port: port, on: group.loops[0], listenTCP: configuration.trunks.contains { $0.transport == .tcp },
            connectTimeout: configuration.timing.transactionTimeout,
            handler: { bytes, source in
                Self.route(bytes, from: source, calls: calls, reply: reply, trunkHosts: trunkHosts)
            },
            streamHandler: { message, source in
                calls.count(\.streamMessages)
                let call = message.callID.flatMap { calls.call($0) }
                if call == nil, !message.isRequest, let registration = message.callID.flatMap({ calls.registration($0) }) {
                    registration.loop.execute { registration.responseReceived(message) }
                    return
                }
                let fromTrunk = message.isRequest && trunkHosts.contains(source.host)
                guard call != nil || fromTrunk else {
                    calls.count(message.isRequest ? \.strayRequests : \.unknownResponses)
                    return
                }
                Self.deliver(message, from: source, transport: .tcp, to: call, reply: reply, calls: calls)
            },
            connectionLost: { destination, error in
                // RFC 3261 §18.4: the transactions sent over the connection fail; the next request reconnects.
                let reason = "connection to \(destination) " + (error.map { "failed: \($0)" } ?? "closed")
                for call in calls.all() {
                    call.loop.execute { call.transportFailed(to: destination, reason: reason) }
                }
                for (registration, registrar) in calls.allRegistrations() {
                    registration.loop.execute { registration.transportFailed(to: destination, registrar: registrar) }
                }
            },
            malformedStream: { calls.count(\.malformed) })
        reply.transport = transport
        self.group = group
        self.configuration = configuration
        self.calls = calls
        self.ports = RTPPortPool(range: configuration.rtpPorts)
        var tickers: [ObjectIdentifier: MediaTicker] = [:]
        for loop in group.loops { tickers[ObjectIdentifier(loop)] = MediaTicker(loop: loop) }
        self.tickers = tickers
        for trunk in configuration.trunks where trunk.register {
            let (machine, registrar) = Self.registration(for: trunk, configuration: configuration, port: transport.localPort)
            calls.add(TrunkRegistration(trunk: trunk.name, machine: machine, callID: machine.callID, loop: group.loops[0],
                                        transport: transport, observer: configuration.registrationObserver), registrar: registrar)
        }
        (closedSignal, closed) = AsyncStream<Void>.makeStream()
    }

    /// The port the SIP socket is bound to.
    public var localPort: Int { transport.localPort }

    /// Runs until `close()` (or cancellation), then closes the SIP socket. The daemon's SIP service.
    public func run() async {
        let registrations = calls.allRegistrations().map(\.0)
        for registration in registrations { registration.loop.execute { registration.start() } }
        await withTaskCancellationHandler {
            for await _ in closedSignal {}
        } onCancel: {
            closed.finish()
        }
        // RFC 3261 §10.2.2: remove our bindings (Expires: 0) before the sockets close.
        let stopTimeout = configuration.timing.t1 * 4
        for registration in registrations {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                registration.loop.execute {
                    registration.stop(timeout: stopTimeout) { done.resume() }
                }
            }
        }
        await transport.closeAfterFlushing()
    }

    /// Ends `run()`: no more SIP after the calls in progress.
    public func close() {
        closed.finish()
    }

    /// Media calls that could start now without waiting for an RTP port.
    public func mediaCapacity() -> Int? { ports.available }

    /// False while trunk `name` registers and holds no binding; true for every other trunk.
    public func isTrunkReady(_ name: String) -> Bool {
        calls.registration(trunk: name)?.isRegistered ?? true
    }

    /// The registrar's last answer while trunk `name` registers and its last attempt failed.
    public func registrationFailure(_ name: String) -> String? {
        guard let registration = calls.registration(trunk: name), !registration.isRegistered,
              case .failed(let code, let reason, _) = registration.status else { return nil }
        return code == 0 ? reason : "\(code) \(reason)"
    }

    /// Each registering trunk's status, by trunk name.
    public func registrationStatuses() -> [String: RegistrationStateMachine.Status] {
        Dictionary(calls.allRegistrations().map { ($0.0.trunk, $0.0.status) }, uniquingKeysWith: { first, _ in first })
    }

    /// The registration of `trunk` (RFC 3261 §10.2): AOR and Request-URI on the trunk's domain
    /// (or host), our Contact with the trunk's user and transport, REGISTERs to its registrar (or
    /// wherever its requests go).
    private static func registration(for trunk: SIPTrunk, configuration: Configuration, port: Int)
        -> (RegistrationStateMachine, SIPDestination) {
        let destination = trunk.registrar ?? trunk.destination
        let host = SIPURI.hostReference(SIPURI.bareHost(configuration.advertisedHost))
        let domain = trunk.domain ?? SIPURI.hostReference(trunk.host)
        let user = trunk.username ?? "campaignd"
        let transportParameter = destination.transport == .udp ? "" : ";transport=\(destination.transport.rawValue)"
        let credentials = trunk.username.flatMap { username in
            trunk.password.map { DigestCredentials(username: username, password: $0, realm: trunk.realm) }
        }
        let machine = RegistrationStateMachine(configuration: .init(
            registrarURI: "sip:\(domain)", addressOfRecord: "sip:\(user)@\(domain)",
            contact: "sip:\(user)@\(host):\(port)\(transportParameter)",
            via: "SIP/2.0/\(destination.transport.viaName) \(host):\(port);rport", destination: destination,
            credentials: credentials, expires: trunk.expires, callID: RandomBytes.hex(16) + "@" + host, fromTag: RandomBytes.hex(8),
            timing: configuration.timing, firstRetry: configuration.registrationRetry, maximumRetry: .seconds(600),
            userAgent: configuration.userAgent))
        return (machine, destination)
    }

    public func placeCall(_ request: CallRequest) async -> AsyncStream<CallEvent> {
        // RFC 3263 §4: a trunk named by host name is looked up before the call, off the loops (the
        // resolver has a thread of its own); its targets are tried in order.
        var targets: [SIPDestination] = []
        if let trunk = request.trunk, trunk.resolvesByDNS, request.route.isEmpty {
            do {
                targets = try await resolver.destinations(host: trunk.host, port: trunk.port, transport: trunk.transport, srv: trunk.usesSRV)
            } catch {
                return Self.endedBeforeStart("cannot resolve trunk \(trunk.name) host \(trunk.host): \(error)", sipCallID: request.callID ?? "")
            }
            // Only addresses the SIP socket's family can reach; targets that asked for a pause (503
            // with Retry-After) after the others (RFC 3261 §21.5.4).
            let ipv6 = transport.localAddress.isIPv6
            targets = targets.filter { $0.host.contains(":") == ipv6 }
            targets = holdOffLock.withLock { [targets] in holdOff.ordered(targets, at: Self.now()) }
            guard !targets.isEmpty else {
                return Self.endedBeforeStart("trunk \(trunk.name) host \(trunk.host) has no \(ipv6 ? "IPv6" : "IPv4") address for the SIP socket on \(transport.localAddress.host)",
                                             sipCallID: request.callID ?? "")
            }
        }
        let loop = group.next()
        // Calls with a script get their RTP and RTCP sockets first, so the SDP offers the port bound.
        var media: MediaSockets?
        if let script = request.script, script.needsMedia {
            switch bindMedia(startingWith: await ports.acquire {}, on: loop) {
            case .success(let bound): media = bound
            case .failure(let failure):
                return Self.endedBeforeStart("no RTP port: \(failure.lastError ?? "pool exhausted")", sipCallID: request.callID ?? "")
            }
        }
        return start(request, targets: targets, loop: loop, media: media)
    }

    /// Starts a call whose targets and media sockets are settled: its first attempt, on `loop`.
    ///
    /// Synchronous and not inlined into `placeCall`: a task keeps the largest async frame it ever
    /// had for as long as it lives, so what is built here (the plan, the request's copies) stays off
    /// the frame of the task each call runs in.
    @inline(never)
    private func start(_ request: CallRequest, targets: [SIPDestination], loop: EventLoop, media: MediaSockets?) -> AsyncStream<CallEvent> {
        // RFC 3263 §4.3: the INVITE to the next target is the same request in a new transaction, so
        // every target sees one Call-ID and From tag (and the dispatcher hangs up by that Call-ID).
        var request = request
        if request.callID == nil { request.callID = RandomBytes.hex(16) + "@" + SIPURI.hostReference(SIPURI.bareHost(configuration.advertisedHost)) }
        let (stream, continuation) = AsyncStream<CallEvent>.makeStream()
        let plan = CallPlan(request: request, fromTag: RandomBytes.hex(8), targets: targets, loop: loop, continuation: continuation)
        if let error = attempt(plan, index: 0, media: media, startTime: 0, earlierTargets: []) {
            if let media {
                media.sockets.rtp.close()
                media.sockets.rtcp.close()
                ports.release(media.port)
            }
            continuation.finish()
            return Self.endedBeforeStart(error, sipCallID: "")
        }
        return stream
    }

    /// An RTP port and its bound RTP and RTCP sockets.
    private typealias MediaSockets = (port: Int, sockets: (rtp: UDPChannel, rtcp: UDPChannel))

    /// Why no media port could be bound: the last bind error, nil when the pool ran out.
    private struct MediaPortFailure: Error {
        var lastError: String?
    }

    /// A call's RTP and RTCP sockets on a port of the pool: `first` (already taken from it), else the
    /// next free one. A port something else holds is put back at the end of the pool and the next one
    /// tried, eight at most, without waiting for one to be freed.
    private func bindMedia(startingWith first: Int?, on loop: EventLoop) -> Result<MediaSockets, MediaPortFailure> {
        var candidate = first ?? ports.tryAcquire()
        var lastError: String?
        for _ in 0..<8 {
            guard let port = candidate else { break }
            do {
                return .success((port, try CallMedia.bindSockets(host: transport.localAddress, port: port, on: loop)))
            } catch {
                lastError = "\(error)"
                ports.releaseBusy(port)
                candidate = ports.tryAcquire()
            }
        }
        if let candidate { ports.release(candidate) }
        return .failure(MediaPortFailure(lastError: lastError))
    }

    /// What every attempt of one call shares: the request (with its Call-ID), the From tag, the
    /// trunk's targets in order (empty: the request's own destination), the loop and the events.
    private struct CallPlan {
        var request: CallRequest
        var fromTag: String
        var targets: [SIPDestination]
        var loop: EventLoop
        var continuation: AsyncStream<CallEvent>.Continuation
    }

    /// Starts the call at `plan.targets[index]` (at the request's own destination when there are no
    /// targets) on the plan's loop; nil when it started, else why not. When more targets remain, a
    /// 503 or no response moves the call on to the next at once (RFC 3263 §4.3), on the loop.
    private func attempt(_ plan: CallPlan, index: Int, media: MediaSockets?, startTime: Int64,
                         earlierTargets: [OutboundCall.FailedTarget]) -> String? {
        let target = plan.targets.isEmpty ? nil : plan.targets[index]
        let machine: CallStateMachine
        do {
            machine = try CallStateMachine(configuration: makeConfiguration(plan.request, destination: target, fromTag: plan.fromTag,
                                                                            rtpPort: media?.port ?? nextUnboundRTPPort()))
        } catch {
            return "\(error)"
        }
        let calls = calls
        let ports = ports
        let call = OutboundCall(machine: machine, loop: plan.loop, transport: transport, continuation: plan.continuation,
                                target: target, isRetry: index > 0) { call in
            calls.remove(call)
            if !call.mediaPortHandedOver, let port = call.media?.port { ports.release(port) }
        }
        call.startTime = startTime
        call.earlierTargets = earlierTargets
        if let target {
            call.refusedWithRetryAfter = { [weak self] seconds in
                guard let self else { return }
                holdOffLock.withLock { holdOff.refused(target, retryAfter: seconds, at: Self.now()) }
            }
        }
        if index + 1 < plan.targets.count {
            call.failover = { [weak self] failed, outcome in
                guard let self else { return false }
                // On the loop: the next attempt needs its media sockets now, without waiting for a port.
                // The failed attempt's port first (its sockets were closed just now): every target is
                // offered the same SDP port, and a failover needs no second port from the pool.
                var next: MediaSockets?
                if let port = failed.media?.port,
                   let sockets = try? CallMedia.bindSockets(host: transport.localAddress, port: port, on: plan.loop) {
                    failed.mediaPortHandedOver = true
                    next = (port, sockets)
                } else if let script = plan.request.script, script.needsMedia {
                    guard let port = ports.tryAcquire() else { return false }
                    guard let sockets = try? CallMedia.bindSockets(host: transport.localAddress, port: port, on: plan.loop) else {
                        ports.releaseBusy(port)
                        return false
                    }
                    next = (port, sockets)
                }
                let failedTarget = OutboundCall.FailedTarget(target: target?.description ?? "", outcome: outcome)
                if attempt(plan, index: index + 1, media: next, startTime: failed.startTime,
                           earlierTargets: earlierTargets + [failedTarget]) == nil {
                    return true
                }
                if let next {
                    next.sockets.rtp.close()
                    next.sockets.rtcp.close()
                    ports.release(next.port)
                }
                return false
            }
        }
        if let script = plan.request.script, let media {
            call.attach(CallMedia(call: call, loop: plan.loop, ticker: ticker(for: plan.loop), sockets: media.sockets, script: script,
                                  inactivityTimeout: configuration.mediaInactivityTimeout))
            if script.humanConnect != nil || script.machineConnect != nil {
                call.legPlacer = { [weak self] connectPlan, amdHeader in
                    guard let self else { return .failure(.badTarget(connectPlan.target)) }
                    return placeLeg(connectPlan, for: plan.request, amdHeader: amdHeader, on: plan.loop)
                }
            }
        }
        calls.add(call)
        if plan.loop.inEventLoop {
            call.start()
        } else {
            plan.loop.execute { call.start() }
        }
        return nil
    }

    /// The second leg of `person`'s call to `plan`'s target (bridge), on the person's loop, with
    /// its media bound now; not started. Its INVITE carries the plan's headers, `X-AMD`, and the
    /// person's number as the caller when it is one.
    private func placeLeg(_ plan: ConnectPlan, for person: CallRequest, amdHeader: (name: String, value: String)?,
                          on loop: EventLoop) -> Result<OutboundCall, RequestError> {
        var request = CallRequest(target: DialTarget(canonical: plan.target), trunk: plan.trunk ?? person.trunk,
                                  caller: person.caller, callerHost: person.callerHost, callerDisplayName: person.callerDisplayName,
                                  headers: plan.headers + (amdHeader.map { [$0] } ?? []),
                                  answerTimeout: plan.timeout + .seconds(1), maxCallDuration: person.maxCallDuration,
                                  script: CallScript())
        if case .e164(let number) = person.target { request.caller = number }
        if case .sip = request.target, plan.trunk == nil { request.trunk = nil }
        // No waiting for a port: the person is on the line.
        let port: Int, sockets: (rtp: UDPChannel, rtcp: UDPChannel)
        switch bindMedia(startingWith: nil, on: loop) {
        case .success(let bound): (port, sockets) = bound
        case .failure(let failure):
            return .failure(.noMediaPort(failure.lastError ?? "every port of sip.rtpPortMin-rtpPortMax is in use"))
        }
        let machine: CallStateMachine
        do {
            machine = try CallStateMachine(configuration: makeConfiguration(request, fromTag: RandomBytes.hex(8), rtpPort: port))
        } catch {
            sockets.rtp.close()
            sockets.rtcp.close()
            ports.release(port)
            return .failure(error)
        }
        // Nobody reads a leg's stream: its events go to its listener.
        let (_, continuation) = AsyncStream<CallEvent>.makeStream(bufferingPolicy: .bufferingNewest(0))
        let calls = calls
        let ports = ports
        let leg = OutboundCall(machine: machine, loop: loop, transport: transport, continuation: continuation) { leg in
            calls.remove(leg)
            if let port = leg.media?.port { ports.release(port) }
        }
        leg.attach(CallMedia(call: leg, loop: loop, ticker: ticker(for: loop), sockets: sockets, script: CallScript(),
                             inactivityTimeout: configuration.mediaInactivityTimeout))
        calls.add(leg)
        return .success(leg)
    }

    /// The events of a call that failed before its INVITE could be sent: only its end, as an error.
    private static func endedBeforeStart(_ reason: String, sipCallID: String) -> AsyncStream<CallEvent> {
        let (stream, continuation) = AsyncStream<CallEvent>.makeStream()
        let now = OutboundCall.nowMs()
        continuation.yield(.ended(CallResult(outcome: CallOutcome(status: .failed, reasonCode: .error, reason: reason), sipCallID: sipCallID,
                                             startTime: now, ringTime: nil, connectTime: nil, disconnectTime: now)))
        continuation.finish()
        return stream
    }

    public func hangUp(sipCallID: String) async {
        guard let call = calls.call(sipCallID) else { return }
        call.loop.execute { call.hangUp() }
    }

    private func ticker(for loop: EventLoop) -> MediaTicker {
        // Every loop of the group has one, made in init.
        tickers[ObjectIdentifier(loop)] ?? MediaTicker(loop: loop)
    }

    /// Hands one datagram to its call on the call's loop; runs on the SIP loop, for every datagram
    /// from anyone. Only a datagram for a call in progress, or a request from a trunk, is parsed in
    /// full: the rest is dropped after reading its start line and Call-ID (issue 14).
    private static func route(_ bytes: UnsafeRawBufferPointer, from source: SocketAddress, calls: SIPCallTable, reply: TransportBox,
                              trunkHosts: Set<String>) {
        // Keep-alives (CRLF) are not messages.
        if bytes.allSatisfy({ $0 == 0x0D || $0 == 0x0A }) { return }
        // A trunk's requests are parsed in full whatever their Call-ID: no need to look for it first.
        var fromTrunk = false
        let head: SIPMessageParser.Head
        do {
            head = try SIPMessageParser.head(ofDatagram: bytes) { isRequest in
                fromTrunk = isRequest && trunkHosts.contains(source.host)
                return !fromTrunk
            }
        } catch {
            calls.count(\.malformed)
            return
        }
        var call = head.callID.flatMap { calls.call($0) }
        if call == nil, !head.isRequest, let registration = head.callID.flatMap({ calls.registration($0) }) {
            guard let response = try? SIPMessageParser.parse(datagram: Array(bytes)) else {
                calls.count(\.malformed)
                return
            }
            registration.loop.execute { registration.responseReceived(response) }
            return
        }
        // Responses are only ever for our calls; an out-of-dialog request gets an answer (481) only
        // from a trunk. In-dialog requests from any host (a callee dialled by SIP URI) have the
        // Call-ID of a call in progress.
        guard call != nil || fromTrunk else {
            calls.count(head.isRequest ? \.strayRequests : \.unknownResponses)
            return
        }
        var message: SIPMessage
        do {
            message = try SIPMessageParser.parse(datagram: Array(bytes))
        } catch {
            calls.count(\.malformed)
            return
        }
        if fromTrunk { call = message.callID.flatMap { calls.call($0) } }
        deliver(message, from: source, transport: .udp, to: call, reply: reply, calls: calls)
    }

    /// Hands a parsed message to its call on the call's loop, or answers a trunk's request for no
    /// call; on the SIP loop.
    private static func deliver(_ message: SIPMessage, from source: SocketAddress, transport: SIPTransportProtocol, to call: OutboundCall?,
                                reply: TransportBox, calls: SIPCallTable) {
        var message = message
        if message.isRequest { stampSource(of: &message, host: source.host, port: source.port, stream: transport.isReliable) }
        if let call {
            if call.loop.inEventLoop {
                call.messageReceived(message)
            } else {
                let delivered = message
                call.loop.execute { call.messageReceived(delivered) }
            }
            return
        }
        // A request from a trunk for no call in progress: its keep-alive OPTIONS gets our capabilities
        // (RFC 3261 §11.2), anything else no dialog.
        let back = SIPDestination(host: source.host, port: source.port, transport: transport)
        if message.method == .options, let sockets = reply.transport {
            try? sockets.send(SIPCapabilities.optionsResponse(to: message), to: back)
            return
        }
        calls.count(\.strayRequests)
        if message.method != .ack, let sockets = reply.transport {
            let response = CallStateMachine.response(to: message, code: 481, reason: "Call/Transaction Does Not Exist")
            try? sockets.send(response, to: back)
        }
    }

    /// RFC 3261 §18.2.1 and RFC 3581: note where a request really came from in its top Via
    /// (`received`, and `rport` when the sender asked for it), so the response goes back there.
    /// On a stream, `rport` is always set: the response must go back over the same connection
    /// (§18.2.2), whose far port the Via's sent-by need not name.
    static func stampSource(of request: inout SIPMessage, host: String, port: Int, stream: Bool = false) {
        guard let index = request.headers.firstIndex(where: { $0.name == "Via" }) else { return }
        // Only the first element is rewritten; the rest of the list is kept as it came.
        let (first, rest) = SIPMessage.firstListElementAndRest(request.headers[index].value)
        guard let first, var via = SIPVia(parsing: first) else { return }
        if SIPURI.bareHost(via.host) != host { via.parameters.set("received", host) }
        if via.parameters["rport"] != nil || stream { via.parameters.set("rport", String(port)) }
        request.headers[index] = SIPHeaderField("Via", rest.map { via.serialized + ", " + $0 } ?? via.serialized)
    }

    public enum RequestError: Error, Sendable, CustomStringConvertible {
        case noTrunk(String)
        /// Every RTP port is in use (a second leg cannot wait for one: the person is on the line).
        case noMediaPort(String)
        case badTarget(String)
        case secureTarget(String)
        /// The destination is IPv6 and the SIP socket IPv4, or the other way round.
        case addressFamily(String, bound: String)

        public var description: String {
            switch self {
            case .addressFamily(let destination, let bound):
                "cannot send to \(destination) from the SIP socket on \(bound): set sip.bindAddress to an address of the same family (\"::\" or \"0.0.0.0\")"
            case .noTrunk(let target): "no trunk to send \(target) to; configure one in trunks"
            case .noMediaPort(let reason): "no RTP port for the second leg: \(reason)"
            case .badTarget(let target): "cannot call \(target)"
            case .secureTarget(let target):
                "cannot call \(target): sips: needs SIP over TLS, and campaignd has no TLS library (its dependency rules allow none); it is not sent in the clear"
            }
        }
    }

    /// A port of the RTP range for calls that offer media but never receive it (no script): put in
    /// the SDP, not bound.
    private func nextUnboundRTPPort() -> Int {
        let first = configuration.rtpPorts.lowerBound
        let span = max(1, configuration.rtpPorts.count / 2)
        return first + 2 * (unboundPorts.next() % span)
    }

    /// - Parameter target: where the trunk's requests go instead of its host, once resolved (RFC 3263).
    /// - Parameter fromTag: the From tag, the same for every target of one call.
    private func makeConfiguration(_ request: CallRequest, destination target: SIPDestination? = nil, fromTag: String,
                                   rtpPort: Int) throws(RequestError) -> CallStateMachine.Configuration {
        let bareHost = SIPURI.bareHost(configuration.advertisedHost)
        let host = SIPURI.hostReference(bareHost)
        let port = transport.localPort
        let requestURI: String
        let destination: SIPDestination
        // RFC 3261 §8.1.2: with a preloaded route (and no outbound proxy ahead of it) the request goes
        // to the route's first entry, whatever the Request-URI.
        var routeHop: SIPDestination?
        if let first = request.route.first, request.trunk?.outboundProxy == nil {
            guard let hop = SIPDestination(uri: String(first.dropFirst().dropLast())) else { throw .badTarget(first) }
            routeHop = hop
        }
        switch request.target {
        case .e164(let number):
            guard let trunk = request.trunk else { throw .noTrunk(number) }
            // Phone numbers go to the trunk as sip:+1555…@proxy;user=phone (RFC 3261 §19.1.6).
            requestURI = "sip:\(number)@\(trunk.requestURIHost);user=phone"
            destination = routeHop ?? target ?? trunk.destination
        case .sip(let uri):
            guard !uri.secure else { throw .secureTarget(uri.description) }
            requestURI = uri.description
            if let routeHop {
                destination = routeHop
            } else if let trunk = request.trunk {
                destination = target ?? trunk.destination
            } else if let direct = SIPDestination(uri: uri.description) {
                destination = direct
            } else {
                throw .badTarget(uri.description)
            }
        }
        // A socket of one family cannot reach the other (RFC 3261 §18 runs over the SIP socket).
        if SIPURI.bareHost(destination.host).contains(":") != transport.localAddress.isIPv6,
           (try? SocketAddress(host: SIPURI.bareHost(destination.host), port: destination.port)) != nil {
            throw .addressFamily(destination.description, bound: transport.localAddress.host)
        }
        let callID = request.callID ?? (RandomBytes.hex(16) + "@" + host)
        let caller = request.caller ?? "campaignd"
        let fromHost = request.callerHost ?? request.trunk?.fromDomain ?? host
        var from = NameAddress(displayName: request.callerDisplayName, uri: "sip:\(caller)@\(fromHost)")
        from.parameters.set("tag", fromTag)
        // RFC 3261 §18.1.1, §8.1.1.8: the Via names the transport; the Contact asks for it back.
        let transport = destination.transport
        let contact = transport == .udp ? "<sip:campaignd@\(host):\(port)>" : "<sip:campaignd@\(host):\(port);transport=\(transport.rawValue)>"
        var invite = SIPMessage.request(.invite, uri: requestURI, headers: [
            SIPHeaderField("Via", "SIP/2.0/\(transport.viaName) \(host):\(port);branch=z9hG4bK\(RandomBytes.hex(12));rport"),
            SIPHeaderField("Max-Forwards", "70"),
            SIPHeaderField("From", from.serialized),
            SIPHeaderField("To", "<\(requestURI)>"),
            SIPHeaderField("Call-ID", callID),
            SIPHeaderField("CSeq", "1 INVITE"),
            SIPHeaderField("Contact", contact),
            SIPHeaderField("Allow", SIPCapabilities.allow),
            SIPHeaderField("Supported", SIPCapabilities.supported),
            SIPHeaderField("User-Agent", configuration.userAgent),
        ])
        if let proxy = request.trunk?.outboundProxy {
            // RFC 3261 §8.1.2: a configured outbound proxy is a pre-existing route set of one loose router.
            let transportParameter = proxy.transport == .udp ? "" : ";transport=\(proxy.transport.rawValue)"
            invite.addHeader("Route", "<sip:\(SIPURI.hostReference(proxy.host)):\(proxy.port)\(transportParameter);lr>")
        }
        for route in request.route { invite.addHeader("Route", route) }
        if request.trunk?.assertIdentity == true, !request.headers.contains(where: { $0.name.lowercased() == "p-asserted-identity" }) {
            // RFC 3325 §9.1: the identity the carrier may pass on, and no privacy asked for it.
            let userPhone = caller.hasPrefix("+") ? ";user=phone" : ""
            let asserted = NameAddress(displayName: request.callerDisplayName, uri: "sip:\(caller)@\(fromHost)\(userPhone)")
            invite.addHeader("P-Asserted-Identity", asserted.serialized)
            invite.addHeader("Privacy", "none")
        }
        for header in request.headers { invite.addHeader(header.name, header.value) }
        invite.addHeader("Content-Type", "application/sdp")
        invite.body = Array(Self.sdpOffer(host: bareHost, rtpPort: rtpPort).utf8)
        let credentials = request.trunk.flatMap { trunk -> DigestCredentials? in
            guard let username = trunk.username, let password = trunk.password else { return nil }
            return DigestCredentials(username: username, password: password, realm: trunk.realm)
        }
        return CallStateMachine.Configuration(
            invite: invite, destination: destination, credentials: credentials, contact: contact,
            answerTimeout: request.answerTimeout, maxCallDuration: request.maxCallDuration, timing: configuration.timing)
    }

    /// The SDP offer (RFC 4566, RFC 3264): PCMU, PCMA and telephone-event, 20 ms packets; `IP6`
    /// for an IPv6 address (RFC 4566 §5.7, no brackets).
    static func sdpOffer(host: String, rtpPort: Int) -> String {
        let session = max(1, RandomBytes.bytes(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        let family = host.contains(":") ? "IP6" : "IP4"
        return [
            "v=0", "o=campaignd \(session) \(session) IN \(family) \(host)", "s=campaignd", "c=IN \(family) \(host)", "t=0 0",
            "m=audio \(rtpPort) RTP/AVP 0 8 101", "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000",
            "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16", "a=ptime:20", "a=sendrecv", "",
        ].joined(separator: "\r\n")
    }
}
