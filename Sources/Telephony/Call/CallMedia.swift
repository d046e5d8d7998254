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
    /// The ticker's bookkeeping: where this call is in its list, and the tick it last ran.
    var tickerIndex: Int?
    var lastTick: Int64 = -1
    private(set) var closed = false

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
        if let rtp, detector != nil || ticks % 10 == 0 {
            // Until the socket is empty (a short batch): a burst after a stall is taken in this tick.
            while rtp.receive({ bytes, source in rtpReceived(bytes, from: source) }) == UDPChannel.batchSize, !closed {}
        }
        guard !closed else { return }
        if detector != nil { detect(playout.take()) }
        guard !closed else { return }
        send(sending)
        ticks += 1
        if ticks % 50 == 0, let rtcp {
            rtcp.receive { bytes, _ in report.rtcpReceived(bytes, now65536: Self.now65536(now)) }
        }
        if ticks % 250 == 0 { sendReport(now: now) }
        if ticks % 50 == 0, now.duration(since: lastReceived) >= inactivityTimeout {
            call.hangUp(.error, reason: "no media")
        }
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
        if detector?.isFinished == true { detector = nil }
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
                let audio = prompt == .human ? script.script.humanPrompt : script.script.machinePrompt
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
                call.hangUp(reasonCode, reason: nil)
            case .optedOut(let digit):
                optedOut = digit
                call.emit(.optedOut(digit))
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
    }

    /// The call is over: say detection stopped (if it was running), stop the clock, close the
    /// sockets. Returns what the call's result reports of its media.
    func close() -> (verdict: AMDEvent?, beep: Bool?, optedOut: Character?) {
        guard !closed else { return (amd.verdict, amd.beepDetected, optedOut) }
        stopDetector()
        closed = true
        for timer in timers.values { loop.cancelTimer(timer) }
        timers.removeAll()
        ticker.remove(self)
        rtp?.close()
        rtcp?.close()
        rtp = nil
        rtcp = nil
        return (amd.verdict, amd.beepDetected, optedOut)
    }
}
