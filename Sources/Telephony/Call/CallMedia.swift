import IO

/// The media of one answered call with a script, on the call's event loop: RTP and RTCP sockets,
/// the playout buffer, the detector, the script, prompts and silence.
///
/// Everything runs on the loop's thread: a datagram goes from the socket into the playout buffer
/// in the same call (no hop, no allocation); the loop's `MediaTicker` calls `tick` every 20 ms to
/// take one frame out for the detector and send one frame (prompt or silence) to the callee.
/// Only call-level events (AMD verdicts, prompt started, digits) leave the loop, through the call.
final class CallMedia {
    // Confined to `loop`'s thread (no lock): created there by the call, closed there.
    let loop: EventLoop
    let port: Int
    unowned let call: OutboundCall
    private let ticker: MediaTicker
    private let inactivityTimeout: Duration
    private var rtp: UDPChannel?
    private var rtcp: UDPChannel?
    var script: CallScriptStateMachine
    private(set) var detector: AnsweringMachineDetector?
    /// What the CDR needs: the AMD verdict and beep, an opt-out.
    private(set) var amd = AMDSummary()
    private(set) var optedOut: Character?
    private var law = G711.Law.muLaw
    private var telephoneEventType: UInt8?
    private var comfortNoiseType: UInt8?
    private var remote: SocketAddress?
    private var remoteRTCP: SocketAddress?
    private var latched = false
    private var playout = PlayoutBuffer()
    private var dtmf = DTMFReceiver()
    private var lastReceived: LoopInstant
    /// False while the far end holds the call with `inactive` or `recvonly` (it sends nothing):
    /// no media then is no reason to hang up.
    private var remoteSending = true
    /// From the 200 OK on: before it, what arrives (early media) is not heard.
    private var answered = false
    private var timers: [CallScriptStateMachine.Timer: EventLoop.TimerID] = [:]
    /// What we send: our stream's numbering, the packet being built, the prompt playing.
    private var sequenceNumber: UInt16
    private var timestamp: UInt32
    private var startOfTalkspurt = true
    /// The packet being built, allocated once (no copy-on-write check per tick).
    private let packet = UnsafeMutableRawBufferPointer.allocate(byteCount: 12 + PlayoutBuffer.frameSamples, alignment: 8)
    /// The prompt playing, its payload (shared with every call that plays it) and how far it got.
    private var playing: CallScriptStateMachine.Prompt?
    private var playingBytes: [UInt8] = []
    private var playingOffset = 0
    private var report: RTCPReport
    private var ticks = 0
    /// The ticker's bookkeeping: where this call is in its list (the once-a-second one when
    /// `tickerRelayed`), and the tick it last ran.
    var tickerIndex: Int?
    var tickerRelayed = false
    var lastTick: Int64 = -1
    private(set) var closed = false

    // Connecting (bridge): on the person's media, the second leg; on both, the media at the other
    // end of the bridge once it is up. Cleared by whichever closes first.
    private var leg: OutboundCall?
    private(set) var bridgedTo: CallMedia?
    private var connect: ConnectResult?
    private var connectStartedAt: LoopInstant?
    private var bridgedAt: LoopInstant?
    /// The relayed stream's numbering: the source's SSRC, and what is added to its sequence numbers
    /// and timestamps so the far end sees our stream go on without a jump.
    private var relaySource: UInt32?
    private var relaySequenceOffset: UInt16 = 0
    private var relayTimestampOffset: UInt32 = 0
    /// The bridge ended from the other side: this leg is being hung up and sends nothing more (no
    /// silence after the other party's last packet).
    private var unbridged = false

    deinit {
        packet.deallocate()
    }

    /// The call's RTP socket on `port` and its RTCP socket on `port + 1`, bound on `loop` (callable
    /// off the loop). Polled, not watched: each media tick reads what came (about one packet a
    /// call), so RTP costs no wake-up of its own; RTCP is read once a second.
    static func bindSockets(host: SocketAddress, port: Int, on loop: EventLoop) throws(IOError) -> (rtp: UDPChannel, rtcp: UDPChannel) {
        var rtpAddress = host
        rtpAddress.port = port
        var rtcpAddress = host
        rtcpAddress.port = port + 1
        let rtp = try UDPChannel(bind: rtpAddress, on: loop, exclusive: true, maxDatagram: 2048, handler: nil)
        do {
            return (rtp, try UDPChannel(bind: rtcpAddress, on: loop, exclusive: true, maxDatagram: 2048, handler: nil))
        } catch {
            rtp.close()
            throw error
        }
    }

    /// The media of `call` on its sockets (from `bindSockets`).
    init(call: OutboundCall, loop: EventLoop, ticker: MediaTicker, sockets: (rtp: UDPChannel, rtcp: UDPChannel),
         script: CallScript, inactivityTimeout: Duration) {
        self.call = call
        self.loop = loop
        self.ticker = ticker
        port = sockets.rtp.localAddress.port
        self.inactivityTimeout = inactivityTimeout
        self.script = CallScriptStateMachine(script: script)
        lastReceived = loop.now
        var generator = SystemRandomNumberGenerator()
        sequenceNumber = UInt16.random(in: 0...UInt16.max, using: &generator)
        timestamp = UInt32.random(in: 0...UInt32.max, using: &generator)
        report = RTCPReport(ssrc: UInt32.random(in: 1...UInt32.max, using: &generator), cname: "campaignd@\(sockets.rtp.localAddress.host)")
        rtp = sockets.rtp
        rtcp = sockets.rtcp
    }

    // MARK: Answer

    /// The 2xx arrived: start the 20 ms clock (silence out, frames in) and the script.
    func answered(remoteSDP: String) {
        let answer: SDPAnswer
        do {
            answer = try SDPAnswer(parsing: remoteSDP)
        } catch {
            call.hangUp(.error, reason: "\(error)")
            return
        }
        law = answer.law
        telephoneEventType = answer.telephoneEventPayloadType
        comfortNoiseType = answer.comfortNoisePayloadType
        remote = try? SocketAddress.resolve(host: answer.host, port: answer.port)
        remoteRTCP = try? SocketAddress.resolve(host: answer.host, port: answer.rtcpPort ?? answer.port + 1)
        // Early media waiting in the socket is not the answered call: detection starts at the 200 OK.
        if let rtp { while rtp.receive({ _, _ in }) == UDPChannel.batchSize {} }
        answered = true
        lastReceived = loop.now
        ticker.add(self)
        perform(script.answered())
    }

    // MARK: Receiving

    private func rtpReceived(_ bytes: UnsafeRawBufferPointer, from source: SocketAddress) {
        // Before the answer (early media) nothing is heard: detection's clock starts at the 200 OK.
        guard answered, !closed, let header = try? RTPHeader(parsing: bytes) else { return }
        if latched {
            guard source == remote else { return }
        } else {
            // Symmetric RTP (RFC 4961): the callee's stream really comes from here; send to it, on a
            // connected socket (the kernel keeps the route and drops strangers' packets).
            latched = true
            remote = source
            rtp?.connect(to: source)
        }
        let now = loop.now
        lastReceived = now
        report.received(header, arrivalSamples: Int64(now.nanoseconds / 125_000))
        let payload = UnsafeRawBufferPointer(rebasing: bytes[header.payloadStart..<header.payloadEnd])
        if header.payloadType == law.payloadType {
            // Only detection listens to the audio itself.
            if detector != nil { playout.audioReceived(header, payload: payload, law: law) }
        } else if let telephoneEventType, header.payloadType == telephoneEventType {
            if let digit = dtmf.eventReceived(timestamp: header.timestamp, payload: payload) { digitReceived(digit) }
        } else if header.payloadType == 13 || header.payloadType == comfortNoiseType {
            playout.comfortNoiseReceived(header, payload: payload)
        }
        if let bridgedTo, !closed { bridgedTo.relay(header, packet: bytes, from: self) }
    }

    /// A key press, from RFC 4733 packets or a SIP INFO: published, and heard by the script.
    func digitReceived(_ digit: Character) {
        call.emit(.digit(digit))
        perform(script.digitReceived(digit))
    }

    // MARK: The 20 ms tick

    /// One 20 ms step: a frame in to the detector, a frame out to the callee, RTCP every 5 s and the
    /// media-inactivity check every second.
    /// - Parameter sending: false for a tick the loop missed and is catching up on: the detector's
    ///   clock and the prompt move on, but nothing is sent (the far end sees a gap, not a burst).
    func tick(now: LoopInstant, sending: Bool = true) {
        // While detecting, every tick reads what came; after the verdict nothing listens to the audio
        // but digits and the inactivity check, and reading every 200 ms saves nine syscalls in ten.
        // Bridged, the socket is watched: each packet is relayed as it arrives, not here.
        if let rtp, bridgedTo == nil, detector != nil || ticks % 10 == 0 {
            // Until the socket is empty (a short batch): a burst after a stall is taken in this tick.
            while rtp.receive({ bytes, source in rtpReceived(bytes, from: source) }) == UDPChannel.batchSize, !closed {}
        }
        guard !closed else { return }
        if detector != nil { detect(playout.take()) }
        guard !closed else { return }
        if bridgedTo == nil, !unbridged {
            send(sending)
        } else {
            timestamp &+= UInt32(PlayoutBuffer.frameSamples)
        }
        housekeeping(now: now, advancedBy: 1, secondDue: false)
    }

    /// Once a second while bridged (`MediaTicker.relay`): the packets are relayed as they arrive,
    /// so only our clock (`elapsed` ticks of it), RTCP and the inactivity check are left to do.
    func relayedTick(now: LoopInstant, elapsed: Int64) {
        guard !closed else { return }
        timestamp &+= UInt32(truncatingIfNeeded: Int64(PlayoutBuffer.frameSamples) &* elapsed)
        housekeeping(now: now, advancedBy: Int(elapsed), secondDue: true)
    }

    /// Counts `elapsed` ticks of our clock; each second (every 50th tick, or whenever `secondDue`)
    /// reads RTCP and checks for media inactivity, and each 5 s (250th tick) sends a sender report.
    private func housekeeping(now: LoopInstant, advancedBy elapsed: Int, secondDue: Bool) {
        let before = ticks
        ticks += elapsed
        let second = secondDue || before / 50 != ticks / 50
        if second, let rtcp {
            rtcp.receive { bytes, _ in report.rtcpReceived(bytes, now65536: Self.now65536(now)) }
        }
        if before / 250 != ticks / 250 { sendReport(now: now) }
        if second, remoteSending, now.duration(since: lastReceived) >= inactivityTimeout {
            call.hangUp(.error, reason: "no media")
        }
    }

    /// A bridged call whose detection is over needs the ticker only once a second.
    private func tickOnlyForHousekeepingIfRelaying() {
        if bridgedTo != nil, detector == nil, !closed { ticker.relay(self) }
    }

    private func detect(_ frame: PlayoutBuffer.Frame) {
        guard var detector else { return }
        let events: [AMDEvent]
        switch frame {
        case .audio:
            events = detector.samplesReceived(playout.frame)
        case .comfortNoise(let level):
            events = detector.comfortNoiseReceived(levelDBov: -Double(level))
        case .missing:
            // Lost, late or never sent (silence suppression): the clock moves on, the timeouts with it.
            events = detector.frameMissing()
        }
        self.detector = detector
        amdEvents(events)
    }

    private func send(_ sending: Bool) {
        guard let rtp, let remote else { return }
        var marker = false
        var finished: CallScriptStateMachine.Prompt?
        let payload = UnsafeMutableRawBufferPointer(rebasing: packet[12...])
        if let prompt = playing {
            let count = min(PlayoutBuffer.frameSamples, playingBytes.count - playingOffset)
            let offset = playingOffset
            playingBytes.withUnsafeBytes { source in
                payload.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<offset + count]))
            }
            if count < PlayoutBuffer.frameSamples {
                payload[count...].initializeMemory(as: UInt8.self, repeating: Self.silence(law))
            }
            playingOffset += count
            marker = startOfTalkspurt
            startOfTalkspurt = false
            if playingOffset >= playingBytes.count {
                finished = prompt
                playing = nil
                playingBytes = []
                startOfTalkspurt = true
            }
        } else {
            payload.initializeMemory(as: UInt8.self, repeating: Self.silence(law))
        }
        if sending {
            RTPHeader.write(marker: marker, payloadType: law.payloadType, sequenceNumber: sequenceNumber, timestamp: timestamp,
                            ssrc: report.ssrc, into: packet)
            if rtp.connectedPeer != nil {
                rtp.send(UnsafeRawBufferPointer(packet))
            } else {
                rtp.send(UnsafeRawBufferPointer(packet), to: remote)
            }
            sequenceNumber &+= 1
            report.sent(payloadBytes: PlayoutBuffer.frameSamples)
        }
        timestamp &+= UInt32(PlayoutBuffer.frameSamples)
        // After its last packet is out: the script may hang up, which closes the sockets.
        if let finished { perform(script.playbackFinished(finished)) }
    }

    private func sendReport(now: LoopInstant) {
        guard let rtcp, let remoteRTCP else { return }
        let bytes = report.senderReport(ntp: RTCPReport.ntpNow(), rtpTimestamp: timestamp, now65536: Self.now65536(now))
        rtcp.send(bytes, to: remoteRTCP)
    }

    private static func now65536(_ instant: LoopInstant) -> UInt64 {
        instant.nanoseconds / 15_259  // 1e9 / 65536 ≈ 15,258.8 ns
    }

    /// G.711's code for silence: μ-law 0xFF, A-law 0xD5 (both decode to 0 or next to it).
    static func silence(_ law: G711.Law) -> UInt8 { law == .muLaw ? 0xFF : 0xD5 }

    // MARK: Script and detection

    private func amdEvents(_ events: [AMDEvent]) {
        guard !events.isEmpty else { return }
        if detector?.isFinished == true {
            detector = nil
            tickOnlyForHousekeepingIfRelaying()
        }
        for event in events {
            amd.record(event)
            call.emit(.amd(event))
        }
        perform(script.amdEventsReceived(events))
    }

    func perform(_ actions: [CallScriptStateMachine.Action]) {
        for action in actions {
            guard !closed else { return }
            switch action {
            case .startDetection:
                let configuration = script.script.amd
                // Its timeouts (no speech, no decision) come from its own 20 ms clock, which the media
                // tick moves on whether or not RTP arrives.
                detector = AnsweringMachineDetector(configuration: configuration)
                amd.detectionStarted()
            case .stopDetection:
                stopDetector()
            case .play(let prompt):
                let audio = script.audio(of: prompt)
                playing = prompt
                playingBytes = audio?.encoded(law) ?? []
                playingOffset = 0
                startOfTalkspurt = true
                call.emit(.promptStarted(prompt))
            case .stopPlaying:
                playing = nil
                playingBytes = []
                startOfTalkspurt = true
            case .startTimer(let timer, let delay):
                startTimer(timer, after: delay)
            case .cancelTimer(let timer):
                cancelTimer(timer)
            case .hangUp(let reasonCode):
                call.hangUp(reasonCode, reason: reasonCode == .abandoned ? "nobody took the call" : nil)
            case .optedOut(let digit):
                optedOut = digit
                call.emit(.optedOut(digit))
            case .connect(let plan):
                placeLeg(plan)
            case .refer(let plan):
                connectStartedAt = loop.now
                connect = ConnectResult(target: plan.target, method: .refer)
                call.emit(.connecting(target: plan.target))
                call.refer(to: plan, amdHeader: amdHeader)
            case .bridge:
                bridge()
            case .hangUpConnect:
                // Its end (487 or 200) still comes to `legEvent`, for the CDR's connectSipCode.
                call.noteConnectFailure("no answer within \(script.connectPlan?.timeout ?? .zero)")
                leg?.hangUp(.dialerDisconnected, reason: "not answered in time")
            case .abandoned:
                connect?.abandoned = true
                call.emit(.abandoned(target: script.connectPlan?.target ?? "", sipCode: connect?.sipCode))
            }
        }
    }

    private func startTimer(_ timer: CallScriptStateMachine.Timer, after delay: Duration) {
        cancelTimer(timer)
        // unowned(unsafe): `close()` cancels every timer before the call lets go of its media, so a
        // timer never outlives it (and no weak reference puts a side table on this hot object).
        timers[timer] = loop.scheduleTimer(after: delay) { [unowned(unsafe) self] in
            timers[timer] = nil
            perform(script.timerFired(timer))
        }
    }

    private func cancelTimer(_ timer: CallScriptStateMachine.Timer) {
        if let running = timers.removeValue(forKey: timer) { loop.cancelTimer(running) }
    }

    /// Ends detection, if it runs: its last events (a verdict first, when it had none) are recorded
    /// for the CDR and published, as every other AMD event is.
    private func stopDetector() {
        guard var detector else { return }
        let events = detector.stop()
        self.detector = nil
        for event in events {
            amd.record(event)
            call.emit(.amd(event))
        }
        tickOnlyForHousekeepingIfRelaying()
    }

    // MARK: Connecting

    /// What the second leg is told of the detection: `X-AMD: human;ms=1660`.
    private var amdHeader: (name: String, value: String)? {
        guard let verdict = amd.verdict else { return nil }
        let kind = verdict.kind.rawValue.replacingOccurrences(of: "amd_", with: "").replacingOccurrences(of: "_detected", with: "")
        return ("X-AMD", "\(kind);ms=\(verdict.timeMs)")
    }

    /// Places the second leg (bridge); its answer, failure or end comes back to the script.
    private func placeLeg(_ plan: ConnectPlan) {
        connectStartedAt = loop.now
        connect = ConnectResult(target: plan.target, method: .bridge)
        call.emit(.connecting(target: plan.target))
        switch call.placeLeg(plan, amdHeader: amdHeader) {
        case .success(let leg):
            self.leg = leg
            leg.listener = { [unowned(unsafe) self] event in legEvent(event) }
            leg.start()
        case .failure(let reason):
            call.noteConnectFailure(reason.description)
            perform(script.connectFailed())
        }
    }

    private func legEvent(_ event: CallEvent) {
        guard !closed, script.connectPlan != nil else { return }
        switch event {
        case .answered:
            connect?.sipCode = 200
            recordAnswer()
            perform(script.connectAnswered())
        case .ended(let result):
            leg = nil
            if connect?.sipCode == nil || result.outcome.status == .failed { connect?.sipCode = result.outcome.sipCode }
            if bridgedAt != nil {
                recordBridgeEnd()
                perform(script.connectEnded())
            } else if script.isConnecting {
                call.noteConnectFailure(result.outcome.description)
                perform(script.connectFailed())
            }
        default:
            break
        }
    }

    /// The far end took the call (the second leg's answer, or a REFER's 2xx): `connectAnswerMs`.
    private func recordAnswer() {
        if let connectStartedAt { connect?.answerMs = Int64(loop.now.duration(since: connectStartedAt) / .milliseconds(1)) }
    }

    /// The bridge is over (the first of the leg's end and ours counts): `connectedSec`.
    private func recordBridgeEnd() {
        if let bridgedAt, connect?.connectedSec == nil {
            connect?.connectedSec = Double(loop.now.duration(since: bridgedAt) / .milliseconds(1)) / 1000
        }
    }

    /// The far end's new offer says whether it sends (hold, and back).
    func remoteSends(_ sends: Bool) {
        remoteSending = sends
        lastReceived = loop.now
    }

    /// How the REFER went: taken (our leg hangs up, `transferred`) or refused (the abandon path).
    func transferReported(accepted: Bool, sipCode: Int) {
        guard !closed, let plan = script.connectPlan else { return }
        connect?.sipCode = sipCode == 0 ? nil : sipCode
        if accepted {
            recordAnswer()
            call.emit(.transferred(target: plan.target))
            perform(script.transferred())
        } else {
            call.noteConnectFailure(sipCode == 0 ? "the call cannot be referred now" : "the REFER ended with \(sipCode)")
            perform(script.connectFailed())
        }
    }

    /// The second leg answered: each side's packets go to the other as they arrive.
    private func bridge() {
        guard let leg, let other = leg.media, let rtp, let otherRTP = other.rtp, let plan = script.connectPlan else {
            perform(script.connectEnded())
            return
        }
        bridgedTo = other
        other.bridgedTo = self
        bridgedAt = loop.now
        playing = nil
        playingBytes = []
        do {
            try rtp.watch { [unowned(unsafe) self] bytes, source in rtpReceived(bytes, from: source) }
            try otherRTP.watch { [unowned(unsafe) other] bytes, source in other.rtpReceived(bytes, from: source) }
        } catch {
            call.hangUp(.error, reason: "cannot bridge: \(error)")
            return
        }
        tickOnlyForHousekeepingIfRelaying()
        other.tickOnlyForHousekeepingIfRelaying()
        call.emit(.connected(target: plan.target))
    }

    /// Sends a packet that `source` received to this media's far end, renumbered as our stream:
    /// G.711 passed through (or PCMU↔PCMA transcoded), RFC 4733 digits forwarded, the rest dropped.
    func relay(_ header: RTPHeader, packet bytes: UnsafeRawBufferPointer, from source: CallMedia) {
        guard let rtp, let remote, !closed else { return }
        let payloadType: UInt8
        var table: UnsafePointer<UInt8>?
        if header.payloadType == source.law.payloadType {
            payloadType = law.payloadType
            if source.law != law { table = source.law == .muLaw ? Self.muLawToALaw : Self.aLawToMuLaw }
        } else if let theirs = source.telephoneEventType, header.payloadType == theirs, let ours = telephoneEventType {
            payloadType = ours
        } else {
            return
        }
        var marker = header.marker
        if relaySource != header.ssrc {
            // A new source (the bridge starting, or the far end restarting its stream): carry on
            // from where our own stream was.
            relaySource = header.ssrc
            relaySequenceOffset = sequenceNumber &- header.sequenceNumber
            relayTimestampOffset = timestamp &- header.timestamp
            marker = true
        }
        // Built in the loop's scratch buffer: sent (copied by the kernel) before the next is built.
        let out = loop.datagramScratch
        let count = min(header.payloadCount, out.count - 12)
        let sequence = header.sequenceNumber &+ relaySequenceOffset
        RTPHeader.write(marker: marker, payloadType: payloadType, sequenceNumber: sequence,
                        timestamp: header.timestamp &+ relayTimestampOffset, ssrc: report.ssrc, into: out)
        if let table {
            for index in 0..<count { out[12 + index] = table[Int(bytes[header.payloadStart + index])] }
        } else {
            out.baseAddress!.advanced(by: 12).copyMemory(from: bytes.baseAddress!.advanced(by: header.payloadStart), byteCount: count)
        }
        let datagram = UnsafeRawBufferPointer(rebasing: out[0..<12 + count])
        if rtp.connectedPeer != nil { rtp.send(datagram) } else { rtp.send(datagram, to: remote) }
        // Our own numbering follows, should we send anything ourselves again.
        if sequence &- sequenceNumber < 0x8000 { sequenceNumber = sequence &+ 1 }
        report.sent(payloadBytes: count)
    }

    // Filled once, then only read (from any loop): no shared mutable state.
    nonisolated(unsafe) private static let muLawToALaw: UnsafePointer<UInt8> = table { G711.aLaw(G711.muLawToLinear[$0]) }
    nonisolated(unsafe) private static let aLawToMuLaw: UnsafePointer<UInt8> = table { G711.muLaw(G711.aLawToLinear[$0]) }

    private static func table(_ entry: (Int) -> UInt8) -> UnsafePointer<UInt8> {
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        for index in 0..<256 { table[index] = entry(index) }
        return UnsafePointer(table)
    }

    /// What the call's result reports of its media.
    struct Report {
        var verdict: AMDEvent?
        var beep: Bool?
        var optedOut: Character?
        var connect: ConnectResult?
    }

    /// The call is over: say detection stopped (if it was running), stop the clock, close the
    /// sockets, hang up the second leg. Returns what the call's result reports of its media.
    func close() -> Report {
        guard !closed else { return Report(verdict: amd.verdict, beep: amd.beepDetected, optedOut: optedOut, connect: connect) }
        stopDetector()
        recordBridgeEnd()
        if let leg {
            leg.listener = nil
            leg.hangUp(.dialerDisconnected, reason: "the person hung up")
            self.leg = nil
        }
        if let other = bridgedTo {
            other.bridgedTo = nil
            other.unbridged = true
        }
        bridgedTo = nil
        closed = true
        for timer in timers.values { loop.cancelTimer(timer) }
        timers.removeAll()
        ticker.remove(self)
        rtp?.close()
        rtcp?.close()
        rtp = nil
        rtcp = nil
        return Report(verdict: amd.verdict, beep: amd.beepDetected, optedOut: optedOut, connect: connect)
    }
}
