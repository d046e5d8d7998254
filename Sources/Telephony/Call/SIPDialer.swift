import Foundation

/// Places calls over SIP/UDP: builds each INVITE with its SDP offer, runs one `OutboundCall` per
/// call and routes what arrives on the socket to the call it belongs to (by Call-ID).
///
/// Datagrams are parsed and routed on the transport's receive thread, straight into the call's
/// inbox (an ordered stream its own task reads): no actor hop per datagram on the shared pool.
///
/// Bad input from the network never reaches a call: malformed datagrams are dropped and counted,
/// responses for unknown calls are ignored, and out-of-dialog requests get no dialog (481 from a
/// trunk, silence from anyone else).
public actor SIPDialer: Dialer {
    public struct Configuration: Sendable {
        /// The address put in Via, Contact and the SDP.
        public var advertisedHost: String
        /// RTP ports offered in the SDP and bound for calls with a script.
        public var rtpPorts: ClosedRange<Int>
        public var timing: SIPTiming
        public var trunks: [SIPTrunk]
        public var userAgent: String

        public init(advertisedHost: String, rtpPorts: ClosedRange<Int> = 20000...20999, timing: SIPTiming = .standard,
                    trunks: [SIPTrunk] = [], userAgent: String = "campaignd") {
            self.advertisedHost = advertisedHost
            self.rtpPorts = rtpPorts
            self.timing = timing
            self.trunks = trunks
            self.userAgent = userAgent
        }
    }

    /// What arrived that no call could use.
    public struct Counters: Sendable, Equatable {
        public var malformed = 0
        public var unknownResponses = 0
        public var strayRequests = 0
    }

    private let transport: UDPTransport
    private let configuration: Configuration
    private let registry = CallRegistry()
    private let timers = TimerScheduler()
    private var nextRTPPort: Int
    public nonisolated var counters: Counters { registry.counters }

    deinit {
        timers.stop()
    }

    public init(transport: UDPTransport, configuration: Configuration) {
        self.transport = transport
        self.configuration = configuration
        self.nextRTPPort = configuration.rtpPorts.lowerBound
    }

    /// Routes incoming datagrams until the transport closes. Run it for as long as calls are placed.
    public nonisolated func run() async {
        let registry = registry
        let transport = transport
        let trunkHosts = Set(configuration.trunks.map(\.host))
        transport.setHandler { datagram in
            Self.route(datagram, registry: registry, transport: transport, trunkHosts: trunkHosts)
        }
        // Nothing arrives here while the handler is set; the stream ends when the transport closes.
        for await datagram in transport.datagrams {
            Self.route(datagram, registry: registry, transport: transport, trunkHosts: trunkHosts)
        }
        transport.setHandler(nil)
    }

    public func placeCall(_ request: CallRequest) async -> AsyncStream<CallEvent> {
        let (stream, continuation) = AsyncStream<CallEvent>.makeStream()
        let machine: CallStateMachine
        var media: CallMedia?
        do {
            var rtpPort = allocateRTPPort()
            if let script = request.script, script.needsMedia {
                let rtp = try bindRTP()
                rtpPort = rtp.localPort
                media = CallMedia(transport: rtp, script: script)
            }
            machine = try CallStateMachine(configuration: makeConfiguration(request, rtpPort: rtpPort))
        } catch {
            media?.close()
            continuation.yield(.ended(CallResult(
                outcome: CallOutcome(status: .failed, reasonCode: .error, reason: "\(error)"), sipCallID: "",
                startTime: OutboundCall.nowMs(), ringTime: nil, connectTime: nil, disconnectTime: OutboundCall.nowMs())))
            continuation.finish()
            return stream
        }
        let call = OutboundCall(machine: machine, transport: transport, scheduler: timers, continuation: continuation,
                                media: media) { [registry] callID in
            registry.remove(callID)
        }
        let (inbox, inboxContinuation) = AsyncStream<SIPMessage>.makeStream()
        registry.add(machine.callID, call: call, inbox: inboxContinuation)
        // Owned by the call: its inbox finishes when the call is removed, and the task ends with it.
        Task {
            for await message in inbox {
                if message.isRequest { await call.requestReceived(message) } else { await call.responseReceived(message) }
            }
        }
        await call.start()
        return stream
    }

    public func hangUp(sipCallID: String) async {
        await registry.call(sipCallID)?.hangUp()
    }

    /// Parses one datagram and hands it to its call's inbox; runs on the transport's receive thread.
    private static func route(_ datagram: UDPTransport.Datagram, registry: CallRegistry, transport: UDPTransport,
                              trunkHosts: Set<String>) {
        // Keep-alives (CRLF) are not messages.
        if datagram.bytes.allSatisfy({ $0 == 0x0D || $0 == 0x0A }) { return }
        var message: SIPMessage
        do {
            message = try SIPMessageParser.parse(datagram: datagram.bytes)
        } catch {
            registry.count(\.malformed)
            return
        }
        if message.isRequest { stampSource(of: &message, host: datagram.host, port: datagram.port) }
        if registry.deliver(message, to: message.callID ?? "") { return }
        if message.isRequest {
            registry.count(\.strayRequests)
            if message.method != "ACK", trunkHosts.contains(datagram.host) {
                let response = CallStateMachine.response(to: message, code: 481, reason: "Call/Transaction Does Not Exist")
                try? transport.send(response.serialized(), to: datagram.host, port: datagram.port)
            }
        } else {
            registry.count(\.unknownResponses)
        }
    }

    /// RFC 3261 §18.2.1 and RFC 3581: note where a request really came from in its top Via
    /// (`received`, and `rport` when the sender asked for it), so the response goes back there.
    static func stampSource(of request: inout SIPMessage, host: String, port: Int) {
        guard let index = request.headers.firstIndex(where: { $0.name == "Via" }) else { return }
        var values = SIPMessage.splitList(request.headers[index].value)
        guard let first = values.first, var via = SIPVia(parsing: first) else { return }
        if via.host != host { via.parameters.set("received", host) }
        if via.parameters["rport"] != nil { via.parameters.set("rport", String(port)) }
        values[0] = via.serialized
        request.headers[index] = SIPHeaderField("Via", values.joined(separator: ", "))
    }

    public enum RequestError: Error, Sendable, CustomStringConvertible {
        case noTrunk(String)
        case badTarget(String)
        case noRTPPort(String)

        public var description: String {
            switch self {
            case .noTrunk(let target): "no trunk to send \(target) to; configure one in trunks"
            case .badTarget(let target): "cannot call \(target)"
            case .noRTPPort(let range): "no free RTP port in \(range); widen sip.rtpPortMin/rtpPortMax"
            }
        }
    }

    /// The next port of the RTP range, for calls that offer media without receiving it.
    private func allocateRTPPort() -> Int {
        let port = nextRTPPort
        nextRTPPort = nextRTPPort + 2 > configuration.rtpPorts.upperBound ? configuration.rtpPorts.lowerBound : nextRTPPort + 2
        return port
    }

    /// Binds the next free even port of the RTP range (RFC 3550 §11: RTP on even ports).
    private func bindRTP() throws(RequestError) -> UDPTransport {
        let attempts = max(1, configuration.rtpPorts.count / 2)
        for _ in 0..<attempts {
            let port = allocateRTPPort()
            if let rtp = try? UDPTransport(host: transport.localHost, port: port, exclusive: true, threadName: "campaignd-rtp") {
                return rtp
            }
        }
        throw .noRTPPort("\(configuration.rtpPorts.lowerBound)-\(configuration.rtpPorts.upperBound)")
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
            SIPHeaderField("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS"),
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

/// The calls in progress by Call-ID, for the dialer and its receive thread: each call and its
/// inbox, and what arrived that no call could use.
// @unchecked Sendable: `lock` guards `calls` and `tally`.
final class CallRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var calls: [String: (call: OutboundCall, inbox: AsyncStream<SIPMessage>.Continuation)] = [:]
    private var tally = SIPDialer.Counters()

    func add(_ callID: String, call: OutboundCall, inbox: AsyncStream<SIPMessage>.Continuation) {
        lock.withLock { calls[callID] = (call, inbox) }
    }

    func remove(_ callID: String) {
        lock.withLock { calls.removeValue(forKey: callID) }?.inbox.finish()
    }

    func call(_ callID: String) -> OutboundCall? {
        lock.withLock { calls[callID]?.call }
    }

    /// Whether a call took `message`.
    func deliver(_ message: SIPMessage, to callID: String) -> Bool {
        guard let inbox = lock.withLock({ calls[callID]?.inbox }) else { return false }
        inbox.yield(message)
        return true
    }

    func count(_ counter: WritableKeyPath<SIPDialer.Counters, Int>) {
        lock.withLock { tally[keyPath: counter] += 1 }
    }

    var counters: SIPDialer.Counters { lock.withLock { tally } }
}
