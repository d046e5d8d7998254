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
    // tickers are each used only on their own loop.
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
    public var counters: Counters { calls.counters }

    /// Opens the SIP socket on `host:port` (port 0 picks one) on the first loop of `group`; calls
    /// are spread over all its loops.
    public init(host: String, port: Int, group: EventLoopGroup, configuration: Configuration) throws(IOError) {
        let calls = SIPCallTable()
        let trunkHosts = Set(configuration.trunks.map(\.host))
        // The handler needs the transport to answer strays; it is set once the transport exists.
        let reply = TransportBox()
        transport = try SIPTransport(host: host, port: port, on: group.loops[0]) { bytes, source in
            Self.route(bytes, from: source, calls: calls, reply: reply, trunkHosts: trunkHosts)
        }
        reply.transport = transport
        self.group = group
        self.configuration = configuration
        self.calls = calls
        self.ports = RTPPortPool(range: configuration.rtpPorts)
        var tickers: [ObjectIdentifier: MediaTicker] = [:]
        for loop in group.loops { tickers[ObjectIdentifier(loop)] = MediaTicker(loop: loop) }
        self.tickers = tickers
        (closedSignal, closed) = AsyncStream<Void>.makeStream()
    }

    /// The port the SIP socket is bound to.
    public var localPort: Int { transport.localPort }

    /// Runs until `close()` (or cancellation), then closes the SIP socket. The daemon's SIP service.
    public func run() async {
        await withTaskCancellationHandler {
            for await _ in closedSignal {}
        } onCancel: {
            closed.finish()
        }
        transport.close()
    }

    /// Ends `run()`: no more SIP after the calls in progress.
    public func close() {
        closed.finish()
    }

    /// Media calls that could start now without waiting for an RTP port.
    public func mediaCapacity() -> Int? { ports.available }

    public func placeCall(_ request: CallRequest) async -> AsyncStream<CallEvent> {
        let loop = group.next()
        // Calls with a script get their RTP and RTCP sockets first, so the SDP offers the port bound.
        var media: (port: Int, sockets: (rtp: UDPChannel, rtcp: UDPChannel))?
        if let script = request.script, script.needsMedia {
            var candidate: Int? = await ports.acquire {}
            var lastError: IOError?
            // A port something else holds is put back at the end of the pool and the next one tried.
            for _ in 0..<8 {
                guard let port = candidate else { break }
                do {
                    media = (port, try CallMedia.bindSockets(host: transport.localAddress, port: port, on: loop))
                    break
                } catch {
                    lastError = error
                    ports.releaseBusy(port)
                    candidate = ports.tryAcquire()
                }
            }
            if media == nil {
                if let candidate { ports.release(candidate) }
                return Self.endedBeforeStart("no RTP port: \(lastError.map { "\($0)" } ?? "pool exhausted")",
                                             sipCallID: request.callID ?? "")
            }
        }
        let machine: CallStateMachine
        do {
            machine = try CallStateMachine(configuration: makeConfiguration(request, rtpPort: media?.port ?? nextUnboundRTPPort()))
        } catch {
            if let media {
                media.sockets.rtp.close()
                media.sockets.rtcp.close()
                ports.release(media.port)
            }
            return Self.endedBeforeStart("\(error)", sipCallID: "")
        }
        let (stream, continuation) = AsyncStream<CallEvent>.makeStream()
        let calls = calls
        let ports = ports
        let call = OutboundCall(machine: machine, loop: loop, transport: transport, continuation: continuation) { call in
            calls.remove(call.callID)
            if let port = call.media?.port { ports.release(port) }
        }
        if let script = request.script, let media {
            call.attach(CallMedia(call: call, loop: loop, ticker: ticker(for: loop), sockets: media.sockets, script: script,
                                  inactivityTimeout: configuration.mediaInactivityTimeout))
        }
        calls.add(call)
        loop.execute { call.start() }
        return stream
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
        if message.isRequest { stampSource(of: &message, host: source.host, port: source.port) }
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
        if message.method == "OPTIONS", let transport = reply.transport {
            try? transport.send(SIPCapabilities.optionsResponse(to: message), to: SIPDestination(host: source.host, port: source.port))
            return
        }
        calls.count(\.strayRequests)
        if message.method != "ACK", let transport = reply.transport {
            let response = CallStateMachine.response(to: message, code: 481, reason: "Call/Transaction Does Not Exist")
            try? transport.send(response, to: SIPDestination(host: source.host, port: source.port))
        }
    }

    /// RFC 3261 §18.2.1 and RFC 3581: note where a request really came from in its top Via
    /// (`received`, and `rport` when the sender asked for it), so the response goes back there.
    static func stampSource(of request: inout SIPMessage, host: String, port: Int) {
        guard let index = request.headers.firstIndex(where: { $0.name == "Via" }) else { return }
        // Only the first element is rewritten; the rest of the list is kept as it came.
        let (first, rest) = SIPMessage.firstListElementAndRest(request.headers[index].value)
        guard let first, var via = SIPVia(parsing: first) else { return }
        if via.host != host { via.parameters.set("received", host) }
        if via.parameters["rport"] != nil { via.parameters.set("rport", String(port)) }
        request.headers[index] = SIPHeaderField("Via", rest.map { via.serialized + ", " + $0 } ?? via.serialized)
    }

    public enum RequestError: Error, Sendable, CustomStringConvertible {
        case noTrunk(String)
        case badTarget(String)
        case secureTarget(String)

        public var description: String {
            switch self {
            case .noTrunk(let target): "no trunk to send \(target) to; configure one in trunks"
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

    private func makeConfiguration(_ request: CallRequest, rtpPort: Int) throws(RequestError) -> CallStateMachine.Configuration {
        let host = configuration.advertisedHost
        let port = transport.localPort
        let requestURI: String
        let destination: SIPDestination
        switch request.target {
        case .e164(let number):
            guard let trunk = request.trunk else { throw .noTrunk(number) }
            // Phone numbers go to the trunk as sip:+1555…@proxy;user=phone (RFC 3261 §19.1.6).
            requestURI = "sip:\(number)@\(trunk.host):\(trunk.port);user=phone"
            destination = SIPDestination(host: trunk.host, port: trunk.port)
        case .sip(let uri):
            guard !uri.secure else { throw .secureTarget(uri.description) }
            requestURI = uri.description
            if let trunk = request.trunk {
                destination = SIPDestination(host: trunk.host, port: trunk.port)
            } else if let direct = SIPDestination(uri: uri.description) {
                destination = direct
            } else {
                throw .badTarget(uri.description)
            }
        }
        let callID = request.callID ?? (RandomBytes.hex(16) + "@" + host)
        let caller = request.caller ?? "campaignd"
        var from = NameAddress(displayName: request.callerDisplayName, uri: "sip:\(caller)@\(request.callerHost ?? host)")
        from.parameters.set("tag", RandomBytes.hex(8))
        let contact = "<sip:campaignd@\(host):\(port)>"
        var invite = SIPMessage.request("INVITE", uri: requestURI, headers: [
            SIPHeaderField("Via", "SIP/2.0/UDP \(host):\(port);branch=z9hG4bK\(RandomBytes.hex(12));rport"),
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
        for header in request.headers { invite.addHeader(header.name, header.value) }
        invite.addHeader("Content-Type", "application/sdp")
        invite.body = Array(Self.sdpOffer(host: host, rtpPort: rtpPort).utf8)
        let credentials = request.trunk.flatMap { trunk -> DigestCredentials? in
            guard let username = trunk.username, let password = trunk.password else { return nil }
            return DigestCredentials(username: username, password: password)
        }
        return CallStateMachine.Configuration(
            invite: invite, destination: destination, credentials: credentials, contact: contact,
            answerTimeout: request.answerTimeout, maxCallDuration: request.maxCallDuration, timing: configuration.timing)
    }

    /// The SDP offer (RFC 4566, RFC 3264): PCMU, PCMA and telephone-event, 20 ms packets.
    static func sdpOffer(host: String, rtpPort: Int) -> String {
        let session = max(1, RandomBytes.bytes(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        return [
            "v=0", "o=campaignd \(session) \(session) IN IP4 \(host)", "s=campaignd", "c=IN IP4 \(host)", "t=0 0",
            "m=audio \(rtpPort) RTP/AVP 0 8 101", "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000",
            "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16", "a=ptime:20", "a=sendrecv", "",
        ].joined(separator: "\r\n")
    }
}

/// The calls in progress by Call-ID, for the dialer and the SIP loop, and what arrived that no call
/// could use.
// @unchecked Sendable: `lock` guards `calls` and `tally`.
final class SIPCallTable: @unchecked Sendable {
    private let lock = NSLock()
    private var calls: [String: OutboundCall] = [:]
    private var tally = SIPDialer.Counters()

    func add(_ call: OutboundCall) {
        lock.withLock { calls[call.callID] = call }
    }

    func remove(_ callID: String) {
        _ = lock.withLock { calls.removeValue(forKey: callID) }
    }

    func call(_ callID: String) -> OutboundCall? {
        lock.withLock { calls[callID] }
    }

    func count(_ counter: WritableKeyPath<SIPDialer.Counters, Int>) {
        lock.withLock { tally[keyPath: counter] += 1 }
    }

    var counters: SIPDialer.Counters { lock.withLock { tally } }
}

/// A counter shared by the tasks placing calls.
// @unchecked Sendable: `lock` guards `value`.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    /// The current value, then one more.
    func next() -> Int {
        lock.withLock {
            defer { value &+= 1 }
            return value
        }
    }
}

/// The SIP transport, for the receive handler made before it exists.
// @unchecked Sendable: written once in `SIPDialer.init` before the socket is read, then only read.
final class TransportBox: @unchecked Sendable {
    var transport: SIPTransport?
}
