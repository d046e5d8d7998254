import Foundation

/// The answered part of a call with a script: RTP in and out, AMD, prompts, digits.
///
/// Owned by `OutboundCall` (an actor), so everything here runs on it: the receive task and the
/// playback task hop onto the actor for every datagram and every 20 ms frame.
struct CallMedia {
    let transport: UDPTransport
    var script: CallScriptStateMachine
    var receiver: RTPReceiver?
    var sender: RTPSender?
    var remote: (host: String, port: Int)?
    var law = G711.Law.muLaw
    var detector: AnsweringMachineDetector?
    var receivedAudio = false
    /// What the CDR needs: the AMD verdict and beep, an opt-out.
    var amd = AMDSummary()
    var optedOut: Character?
    /// The receive loop and the prompt being played.
    var tasks: [String: Task<Void, Never>] = [:]

    /// The script's timers (run by `OutboundCall` with the SIP timers).
    enum MediaTimer: Hashable {
        /// No RTP at all by the no-speech timeout is a media failure, not silence.
        case noAudio
        case script(CallScriptStateMachine.Timer)
    }

    init(transport: UDPTransport, script: CallScript) {
        self.transport = transport
        self.script = CallScriptStateMachine(script: script)
    }

    mutating func cancelTask(_ name: String) {
        tasks.removeValue(forKey: name)?.cancel()
    }

    mutating func close() {
        for task in tasks.values { task.cancel() }
        tasks.removeAll()
        transport.close()
    }
}

extension OutboundCall {
    static let framesPerPacket = 160

    /// The 2xx arrived: start RTP and the script.
    func startMedia(remoteSDP: String) async {
        guard var media else { return }
        let answer: SDPAnswer
        do {
            answer = try SDPAnswer(parsing: remoteSDP)
        } catch {
            await perform(machine.hangUp(.error), reason: "\(error)")
            return
        }
        media.law = answer.law
        media.remote = (answer.host, answer.port)
        media.receiver = RTPReceiver(answer: answer)
        media.sender = RTPSender(payloadType: answer.law.payloadType)
        self.media = media
        await performScript(self.media?.script.answered() ?? [])
    }

    /// Reads the RTP port from the INVITE on. Until the answer there is no receiver and what arrives
    /// (early media) is dropped: detection's clock starts at the 200 OK.
    func startReceivingMedia() {
        guard let datagrams = media?.transport.datagrams else { return }
        // Owned by this call's media: cancelled when the call ends.
        media?.tasks["receive"] = Task { [weak self] in
            for await datagram in datagrams {
                guard let self else { return }
                await self.rtpReceived(datagram)
            }
        }
    }

    func rtpReceived(_ datagram: UDPTransport.Datagram) async {
        guard var receiver = media?.receiver else { return }
        let outputs = receiver.datagramReceived(datagram.bytes, host: datagram.host, port: datagram.port)
        media?.receiver = receiver
        for output in outputs {
            switch output {
            case .latched(let host, let port):
                media?.remote = (host, port)
            case .audio(let samples):
                media?.receivedAudio = true
                guard var detector = media?.detector else { continue }
                let events = detector.samplesReceived(samples)
                media?.detector = detector
                await amdEvents(events)
            case .digit(let digit):
                continuation.yield(.digit(digit))
                await performScript(media?.script.digitReceived(digit) ?? [])
            }
        }
    }

    private func amdEvents(_ events: [AMDEvent]) async {
        guard !events.isEmpty else { return }
        if media?.detector?.isFinished == true { media?.detector = nil }
        for event in events {
            media?.amd.record(event)
            continuation.yield(.amd(event))
        }
        await performScript(media?.script.amdEventsReceived(events) ?? [])
    }

    func performScript(_ actions: [CallScriptStateMachine.Action]) async {
        for action in actions {
            guard !finished, media != nil else { return }
            switch action {
            case .startDetection:
                guard let configuration = media?.script.script.amd else { continue }
                media?.detector = AnsweringMachineDetector(configuration: configuration)
                media?.amd.detectionStarted()
                startTimer(.media(.noAudio), after: .milliseconds(configuration.noSpeechTimeoutMs))
            case .stopDetection:
                cancelTimer(.media(.noAudio))
                if var detector = media?.detector {
                    let events = detector.stop()
                    media?.detector = nil
                    for event in events { continuation.yield(.amd(event)) }
                }
            case .play(let prompt):
                startPlayback(prompt)
            case .stopPlaying:
                media?.cancelTask("playback")
                media?.sender?.paused(samples: 0)
            case .startTimer(let timer, let delay):
                startTimer(.media(.script(timer)), after: delay)
            case .cancelTimer(let timer):
                cancelTimer(.media(.script(timer)))
            case .hangUp(let reasonCode):
                await perform(machine.hangUp(reasonCode))
            case .optedOut(let digit):
                media?.optedOut = digit
                continuation.yield(.optedOut(digit))
            }
        }
    }

    func mediaTimerFired(_ timer: CallMedia.MediaTimer) async {
        switch timer {
        case .noAudio:
            guard media?.receivedAudio == false, var detector = media?.detector else { return }
            let afterMs = detector.configuration.noSpeechTimeoutMs
            let events = detector.fail("no RTP audio received within \(afterMs) ms of the answer", atMs: afterMs)
            media?.detector = detector
            await amdEvents(events)
        case .script(let scriptTimer):
            await performScript(media?.script.timerFired(scriptTimer) ?? [])
        }
    }

    private func startPlayback(_ prompt: CallScriptStateMachine.Prompt) {
        guard let media else { return }
        let samples = (prompt == .human ? media.script.script.humanPrompt : media.script.script.machinePrompt) ?? []
        let law = media.law
        let payload = samples.map(law.encode)
        continuation.yield(.promptStarted(prompt))
        self.media?.cancelTask("playback")
        // Paced by deadlines (start + n × 20 ms), so the stream never drifts however late a wake-up is.
        self.media?.tasks["playback"] = Task { [weak self] in
            let clock = ContinuousClock()
            let start = clock.now
            var packet = 0
            var offset = 0
            while offset < payload.count {
                do {
                    try await clock.sleep(until: start.advanced(by: .milliseconds(20 * packet)), tolerance: .milliseconds(2))
                } catch {
                    return
                }
                let end = min(offset + Self.framesPerPacket, payload.count)
                guard let self else { return }
                await self.sendMedia(Array(payload[offset..<end]))
                offset = end
                packet += 1
            }
            try? await clock.sleep(until: start.advanced(by: .milliseconds(20 * packet)), tolerance: .milliseconds(2))
            guard !Task.isCancelled else { return }
            await self?.playbackFinished(prompt)
        }
    }

    private func sendMedia(_ payload: [UInt8]) {
        guard var sender = media?.sender, let remote = media?.remote, !finished else { return }
        let packet = sender.packet(payload: payload)
        media?.sender = sender
        try? media?.transport.send(packet.serialized, to: remote.host, port: remote.port)
    }

    private func playbackFinished(_ prompt: CallScriptStateMachine.Prompt) async {
        media?.tasks["playback"] = nil
        await performScript(media?.script.playbackFinished(prompt) ?? [])
    }

    /// The call is over: say detection stopped (if it was running) and release the port. Returns
    /// what the call's result reports of its media.
    func closeMedia() -> (verdict: AMDEvent?, beep: Bool?, optedOut: Character?) {
        guard var media else { return (nil, nil, nil) }
        if var detector = media.detector {
            for event in detector.stop() { continuation.yield(.amd(event)) }
        }
        media.close()
        self.media = nil
        return (media.amd.verdict, media.amd.beepDetected, media.optedOut)
    }
}
