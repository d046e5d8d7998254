import Foundation
import Testing

/// Issue 13, "AMD that holds up on real lines": answering-machine detection against SIPp callees
/// that do what real lines do. A person says hello and then sends no RTP at all (silence
/// suppression); a line whose RTP never comes; a carrier intercept playing SIT tones. Each test has
/// its own RTP ports (31600-31659) and workspace, and runs `campaignd run --once` as cron would.
@Suite(.serialized) struct AMDLineTests {
    static let fixtures = SIPpCallee.scenarios + "/audio"

    /// What the capture saw of one call, split by direction (RTP only; RTCP left out).
    struct Wire {
        var fromCallee: [PacketCapture.Packet]
        var fromUs: [PacketCapture.Packet]

        init(_ packets: [PacketCapture.Packet], rtpPorts: ClosedRange<Int>) {
            let rtp = packets.filter { $0.rtcpTypes.isEmpty }
            fromCallee = rtp.filter { rtpPorts.contains($0.destinationPort) }
            fromUs = rtp.filter { rtpPorts.contains($0.sourcePort) }
        }

        /// The longest time between two of campaignd's packets, in seconds.
        var longestGapFromUs: Double {
            zip(fromUs, fromUs.dropFirst()).map { $1.time - $0.time }.max() ?? 0
        }

        /// campaignd's gaps longer than 0.1 s on the wire whose RTP timestamps did not move on with
        /// the time (8 samples a millisecond, within 0.1 s): a media clock that stopped. A loop
        /// starved of a core on a loaded machine skips the ticks it missed but counts them, so its
        /// gaps carry the time across.
        var gapsTheClockDidNotCount: [(seconds: Double, counted: Double)] {
            zip(fromUs, fromUs.dropFirst()).compactMap { a, b in
                let seconds = b.time - a.time
                guard seconds > 0.1, let from = a.rtpTimestamp, let to = b.rtpTimestamp else { return nil }
                let counted = Double(to &- from) / 8000
                return abs(counted - seconds) > 0.1 ? (seconds, counted) : nil
            }
        }
    }

    /// campaignd's `amd` log lines (`event=… after_answer_ms=…`), for failure messages and the report.
    static func amdLog(_ log: String) -> String {
        log.split(separator: "\n").filter { $0.contains(" amd ") || $0.contains("call ended") || $0.contains("playing prompt") }
            .joined(separator: "\n")
    }

    @Test func personWhoseRTPStopsAfterHelloIsHumanWithinASecondAndHearsThePrompt() async throws {
        // SIPp streams only "Hello." (speech 0.26-0.86 s of a 0.9 s clip) and then no RTP at all until
        // our BYE, as a phone with silence suppression does. campaignd's clock must run on without
        // packets: 800 ms of quiet after the hello is a person.
        let campaign = """
            {"name": "Quiet after hello", "contacts": [{"target": "+15557770011"}], "machineDetection": "detect",
             "onHuman": {"play": "hello.wav"}}
            """
        let setup = try await MediaCallTests.setUp(scenario: "uas-stream.xml.in", replacing: ["CLIP": Self.fixtures + "/human-hello-only.ulaw"],
                                             campaign: campaign, rtpBase: 31600)
        let run = try await MediaCallTests.run(setup, capturing: true)
        let cdr = run.cdr
        let amd = Self.amdLog(run.log)

        // The callee really went quiet: 45 packets (0.9 s) and nothing after them.
        let wire = Wire(run.packets, rtpPorts: setup.rtpPorts)
        let firstFromCallee = try #require(wire.fromCallee.first, "SIPp sent no RTP")
        let lastFromCallee = try #require(wire.fromCallee.last)
        try #require(wire.fromCallee.count <= 45 && lastFromCallee.time - firstFromCallee.time < 1.0,
                     "SIPp sent \(wire.fromCallee.count) packets over \(lastFromCallee.time - firstFromCallee.time) s")
        let helloEnd = firstFromCallee.time + 0.86

        // The verdict: a person, on the detector's clock within 1 s of the end of the hello.
        #expect(cdr["machineDetection"] as? String == "amd_human_detected", "\(amd)")
        let decision = try #require(cdr["amdDecisionMs"] as? Int, "no amdDecisionMs: \(cdr)\n\(amd)")
        #expect(decision >= 860 && decision <= 1860, "human verdict at \(decision) ms; the hello ends at 860 ms\n\(amd)")

        // The person hears the 1 s prompt: 50 non-silent packets, starting with the marker bit, sent to
        // where SIPp streams from, beginning within 1 s of the end of the hello (wall clock, on the wire).
        // A loop that stalls (two busy cores running the whole suite) skips the frames it missed
        // rather than sending a burst (MediaTicker), so a frame or two of the prompt may be missing:
        // they show as steps of the RTP timestamp, and the prompt never runs past its 50 frames.
        let promptStart = try #require(wire.fromUs.firstIndex { !$0.silent },
                                       "no prompt RTP from campaignd (\(wire.fromUs.count) packets from us)\n\(amd)")
        let prompt = wire.fromUs[promptStart...].filter { !$0.silent }
        var frames = 0
        if let start = prompt.first?.rtpTimestamp, let end = prompt.last?.rtpTimestamp { frames = Int((end &- start) / 160) + 1 }
        #expect(prompt.count >= 45 && prompt.count <= 50 && frames <= 50 && frames >= prompt.count,
                "the 1 s human prompt is 50 frames: SIPp got \(prompt.count) packets over \(frames) frames")
        if prompt.count == 50 { #expect(prompt.first?.marker == true, "the prompt's first packet carries the marker bit") }
        #expect(prompt.allSatisfy { $0.payloadType == 0 && $0.destinationPort == firstFromCallee.sourcePort })
        let promptAfterHello = wire.fromUs[promptStart].time - helloEnd
        #expect(promptAfterHello > 0.5 && promptAfterHello <= 1.0, "the prompt began \(promptAfterHello) s after the end of the hello")

        // While the callee was quiet campaignd kept sending: silence every 20 ms from its last packet
        // to the prompt (carriers and NATs drop a call that goes silent both ways).
        let quiet = wire.fromUs[..<promptStart].filter { $0.time > lastFromCallee.time }
        let quietSpan = wire.fromUs[promptStart].time - lastFromCallee.time
        #expect(quiet.allSatisfy { $0.silent })
        #expect(quiet.count >= Int(quietSpan / 0.02) - 3, "\(quiet.count) packets in the \(quietSpan) s the callee was quiet")
        #expect(wire.longestGapFromUs < 0.1, "campaignd's RTP paused for \(wire.longestGapFromUs) s")

        // Then campaignd hung up: the prompt was the last thing it sent, and the CDR says the script ended the call.
        #expect(cdr["status"] as? String == "completed")
        #expect(cdr["reasonCode"] as? String == "dialer-disconnected", "\(cdr)")
        if let lastSent = wire.fromUs.last, let lastOfPrompt = prompt.last {
            #expect(lastSent.time - lastOfPrompt.time < 0.05, "campaignd sent RTP for \(lastSent.time - lastOfPrompt.time) s after the prompt")
        }
        let connected = try #require(cdr["connectDurationMs"] as? Int)
        // 50 packets: the first goes out at the verdict, the last 980 ms later, then the BYE.
        #expect(connected >= decision + 950 && connected <= decision + 1500, "connected for \(connected) ms, verdict at \(decision) ms")
    }

    @Test func lineWithNoRTPAtAllGetsNoSpeechOnTimeAndTheCallEnds() async throws {
        // SIPp answers and never sends a packet. With noSpeechTimeoutMs 2000 the detector gives up at
        // 2 s (no speech, or a media error), the script treats that as a person and starts the 10 s
        // prompt; media.inactivityTimeoutSec 3 then ends the call (checked once a second, so at 3-4 s),
        // long before the prompt would: the ending asserted is `error`, "no media".
        let campaign = """
            {"name": "Dead line", "contacts": [{"target": "+15557770012"}], "machineDetection": "detect",
             "amd": {"timers": {"noSpeechTimeoutMs": 2000}}, "onHuman": {"play": "long.wav"}}
            """
        let setup = try await MediaCallTests.setUp(scenario: "uas-answer.xml", replacing: [:], campaign: campaign, rtpBase: 31620,
                                             extraConfig: #""media": {"inactivityTimeoutSec": 3},"#)
        try MediaCallTests.promptWAV(hz: 500, seconds: 10).write(to: URL(fileURLWithPath: setup.directory.path + "/campaigns/prompts/long.wav"))
        let run = try await MediaCallTests.run(setup, capturing: true)
        let cdr = run.cdr
        let amd = Self.amdLog(run.log)

        let wire = Wire(run.packets, rtpPorts: setup.rtpPorts)
        try #require(wire.fromCallee.isEmpty, "SIPp sent \(wire.fromCallee.count) RTP packets; this line should send none")

        let verdict = cdr["machineDetection"] as? String
        #expect(verdict == "amd_no_speech_detected" || verdict == "amd_error", "machineDetection \(verdict ?? "null")\n\(amd)")
        let decision = try #require(cdr["amdDecisionMs"] as? Int, "no amdDecisionMs: \(cdr)\n\(amd)")
        #expect(abs(decision - 2000) <= 200, "verdict at \(decision) ms, noSpeechTimeoutMs is 2000\n\(amd)")

        // On time by the wall clock too: campaignd's RTP starts at the answer (silence) and does not stop,
        // and the prompt that follows the verdict starts 2 s later. The bounds allow for the loop's
        // thread waiting for a core while the whole suite runs on two: a missed 20 ms tick is skipped,
        // not sent late, so a stall shows as a gap on the wire that the RTP timestamps count (fresh-clone
        // runs saw 1.3 and 3.7 s); a media clock that stopped would leave a gap they do not.
        let answer = try #require(wire.fromUs.first, "no RTP from campaignd")
        let promptStart = try #require(wire.fromUs.first { $0.marker && !$0.silent }, "no prompt after the verdict\n\(amd)")
        let promptAfter = Double((promptStart.rtpTimestamp ?? 0) &- (answer.rtpTimestamp ?? 0)) / 8000
        #expect(abs(promptAfter - 2.0) <= 0.5, "prompt began \(promptAfter) s of media after the answer (\(promptStart.time - answer.time) s on the wire)")
        #expect(wire.gapsTheClockDidNotCount.isEmpty, "gaps in campaignd's RTP its clock did not count: \(wire.gapsTheClockDidNotCount)")

        // The call ends by media inactivity, 3-4 s after the answer, and SIPp got our BYE (it exited 0).
        #expect(cdr["status"] as? String == "completed")
        #expect(cdr["reasonCode"] as? String == "error", "\(cdr)")
        #expect(cdr["reason"] as? String == "no media")
        let connected = try #require(cdr["connectDurationMs"] as? Int)
        #expect(connected >= 2950 && connected <= 4500, "connected for \(connected) ms; media.inactivityTimeoutSec is 3")
        // Its RTP stopped with its BYE (RFC 3261 §15.1.1), not after.
        let lastSent = try #require(wire.fromUs.last)
        #expect(lastSent.time - answer.time <= Double(connected) / 1000 + 0.5,
                "campaignd sent RTP for \(lastSent.time - answer.time) s; the call was connected for \(connected) ms")
    }

    @Test func sitTonesEndTheCallAsAnInvalidNumberWithNoRetry() async throws {
        // SIPp answers and plays a carrier intercept: SIT tones at 0.30-1.228 s (913.8, 1370.6, 1776.7 Hz)
        // then a quiet line. The campaign would retry twice, 1 s apart, and `--until` keeps `run --once`
        // waiting for retries; an intercept must not be retried, nor get a voicemail or a prompt.
        let campaign = """
            {"name": "Intercepted", "contacts": [{"target": "+15557770013"}], "machineDetection": "detect",
             "onHuman": {"play": "hello.wav"}, "onMachine": {"play": "voicemail.wav"}, "maxRetryNo": 2, "retryIntervalSec": 1}
            """
        let setup = try await MediaCallTests.setUp(scenario: "uas-stream.xml.in", replacing: ["CLIP": Self.fixtures + "/sit-intercept.ulaw"],
                                             campaign: campaign, rtpBase: 31640)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = .current
        formatter.dateFormat = "HH:mm"
        let until = formatter.string(from: Date().addingTimeInterval(180))
        // One CDR, or `run` fails here: a retry (SIPp is gone by then, so it would end in `error`) would
        // have written a second.
        let run = try await MediaCallTests.run(setup, arguments: ["run", "--once", "--until", until], capturing: true)
        let cdr = run.cdr
        let amd = Self.amdLog(run.log)

        // One attempt: one call's INVITE at SIPp (by Call-ID), one "dialing" in the log.
        let inviteCallIDs = Set(setup.callee.messages.components(separatedBy: "\nINVITE sip:").dropFirst().compactMap { message in
            // SIP lines end in CRLF, which Swift's split on "\n" does not break (one Character).
            message.components(separatedBy: .newlines).first { $0.lowercased().hasPrefix("call-id:") }
        })
        #expect(inviteCallIDs.count == 1, "SIPp saw INVITEs of \(inviteCallIDs.count) calls")
        #expect(run.log.components(separatedBy: " dialing ").count - 1 == 1, "\(amd)")

        #expect(cdr["reasonCode"] as? String == "invalid-number", "\(cdr)\n\(amd)")
        #expect(cdr["machineDetection"] as? String == "amd_machine_detected", "\(amd)")
        #expect(cdr["willRetry"] as? Bool == false)
        #expect(cdr["nextAttemptAt"] == nil || cdr["nextAttemptAt"] is NSNull, "nextAttemptAt \(cdr["nextAttemptAt"] ?? "")")
        // The third tone starts 0.848 s in; the verdict comes once it has lasted, before the tones end
        // (1.228 s), give or take the playout delay; and we hang up at once.
        let decision = try #require(cdr["amdDecisionMs"] as? Int, "no amdDecisionMs: \(cdr)\n\(amd)")
        #expect(decision >= 848 && decision <= 1430, "SIT verdict at \(decision) ms; the tones run 300-1228 ms\n\(amd)")
        let connected = try #require(cdr["connectDurationMs"] as? Int)
        #expect(connected <= decision + 300, "connected for \(connected) ms, verdict at \(decision) ms")

        // Nothing was played to the intercept, and campaignd stopped sending soon after the tones.
        let wire = Wire(run.packets, rtpPorts: setup.rtpPorts)
        let firstFromCallee = try #require(wire.fromCallee.first, "SIPp sent no RTP")
        #expect(wire.fromUs.allSatisfy { $0.silent }, "campaignd played \(wire.fromUs.filter { !$0.silent }.count) packets of a prompt")
        if let lastSent = wire.fromUs.last {
            #expect(lastSent.time - firstFromCallee.time < 1.6, "campaignd sent RTP until \(lastSent.time - firstFromCallee.time) s")
        }

        // The contact is finished as a failure (`campaignd status`), not done and not waiting.
        let counts = try #require(try await setup.directory.statusCounts()["amd"], "no campaign amd in status")
        #expect(counts["failed"] as? Int == 1, "status: \(counts)")
        #expect(counts["retry_wait"] as? Int == 0 && counts["pending"] as? Int == 0, "status: \(counts)")
    }
}
