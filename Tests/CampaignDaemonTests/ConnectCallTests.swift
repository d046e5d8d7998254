import Foundation
import Telephony
import Testing

/// `campaignd call PERSON --connect AGENT` against two SIPp instances: the person answers and says
/// hello (a recording from the AMD corpus), campaignd detects a person and puts them through to the
/// agent (a second SIPp that answers and streams its own audio), relaying RTP both ways; or hands
/// the person over with REFER; or, when nobody takes the person, plays the abandon prompt.
@Suite(.serialized) struct ConnectCallTests {
    static let audio = SIPpCallee.scenarios + "/audio"

    /// The endings of `uas-agent.xml.in`: wait for our BYE, or hang up first.
    static let waitForBye = """
          <recv request="BYE" timeout="20000" />
          <send><![CDATA[
        SIP/2.0 200 OK
        [last_Via:]
        [last_From:]
        [last_To:]
        [last_Call-ID:]
        [last_CSeq:]
        Content-Length: 0

        ]]></send>
        """
    static func hangUp(afterMs milliseconds: Int) -> String {
        """
          <pause milliseconds="\(milliseconds)" />
          <send retrans="500"><![CDATA[
        BYE [$remote_contact] SIP/2.0
        Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
        From: <sip:agent@[local_ip]:[local_port]>;tag=[pid]SIPpTag01[call_number]
        To: [$remote_from]
        [last_Call-ID:]
        CSeq: 2 BYE
        Max-Forwards: 70
        Content-Length: 0

        ]]></send>
          <recv response="200" crlf="true" />
        """
    }

    /// A SIPp check that the INVITE (or REFER) has header `name` matching `regexp` (no `<`, `>`
    /// or `"`: it goes into an XML attribute).
    static func check(_ name: String, _ regexp: String) -> String {
        "      <ereg regexp=\"\(regexp)\" search_in=\"hdr\" header=\"\(name):\" check_it=\"true\" assign_to=\"checked\" />"
    }

    struct Setup {
        let directory: Workspace
        let rtpPorts: ClosedRange<Int>
    }

    /// A workspace for one test with its own 20 RTP ports from `rtpBase`, below 32768: the kernel's
    /// ephemeral ports (any process's socket bound to port 0) start there.
    static func setUp(rtpBase: Int, extraConfig: String = "") throws -> Setup {
        let directory = try Workspace()
        let rtpPorts = rtpBase...(rtpBase + 19)
        try directory.write("campaignd.json", """
            {\(extraConfig)"sip": {"bindAddress": "127.0.0.1", "port": 0, "t1Ms": 100, "rtpPortMin": \(rtpPorts.lowerBound), "rtpPortMax": \(rtpPorts.upperBound)},
             "defaults": {"caller": "+15550001111"}}
            """)
        try MediaCallTests.promptWAV(hz: 440, seconds: 3).write(to: URL(fileURLWithPath: directory.path + "/hold.wav"))
        try MediaCallTests.promptWAV(hz: 880, seconds: 1).write(to: URL(fileURLWithPath: directory.path + "/sorry.wav"))
        return Setup(directory: directory, rtpPorts: rtpPorts)
    }

    static func sipp(_ scenario: String, _ replacing: [String: String], in setup: Setup) async throws -> SIPpCallee {
        var replacing = replacing
        if scenario == "uas-agent.xml.in" {
            for key in ["MORE_PTS", "MORE_RTPMAP"] where replacing[key] == nil { replacing[key] = "" }
        }
        return try await SIPpCallee(scenario: scenario, replacing: replacing,
                             extraArguments: ["-mi", "127.0.0.1", "-mp", String(try SIPpCallee.freeUDPPort())], in: setup.directory.path)
    }

    /// `campaignd call … --json`: the events printed, by name (the last of each), and the exit code.
    struct Call {
        var events: [[String: Any]]
        var exitCode: Int32
        var output: String

        func last(_ name: String) -> [String: Any]? { events.last { $0["event"] as? String == name } }
        var ended: [String: Any] { last("ended") ?? [:] }

        /// Milliseconds from event `first` to event `second`, by their printed times.
        func millis(from first: String, to second: String) -> Double? {
            guard let a = (last(first)?["time"] as? String).flatMap(Self.date), let b = (last(second)?["time"] as? String).flatMap(Self.date)
            else { return nil }
            return b.timeIntervalSince(a) * 1000
        }

        static func date(_ text: String) -> Date? {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return formatter.date(from: text)
        }
    }

    static func call(_ person: SIPpCallee, _ arguments: [String], in setup: Setup) async throws -> Call {
        let result = try await CampaigndProcess.run(["call", "sip:person@127.0.0.1:\(person.port)", "--json"] + arguments,
                                                    in: setup.directory.path, timeout: 60)
        let events = result.stdout.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
        return Call(events: events, exitCode: result.exitCode, output: result.stdout + result.stderr.suffix(1500))
    }

    /// RTP packets of one direction on the wire, in order.
    static func flow(_ packets: [PacketCapture.Packet], from source: Int, to destination: Int) -> [PacketCapture.Packet] {
        packets.filter { $0.sourcePort == source && $0.destinationPort == destination && $0.rtcpTypes.isEmpty && !$0.payload.isEmpty }
    }

    // MARK: Bridge

    @Test func thePersonIsBridgedToTheAgentEachHearsTheOtherAndHangingUpEndsBoth() async throws {
        let setup = try Self.setUp(rtpBase: 30000)
        let person = try await Self.sipp("uas-stream-hangup.xml.in", ["CLIP": Self.audio + "/human-hello.ulaw", "HANGUP_MS": "5000"], in: setup)
        let agent = try await Self.sipp("uas-agent.xml.in", [
            "CHECKS": [Self.check("X-Callee", "^ ?sip:person@127.0.0.1:\(person.port)$"), Self.check("X-AMD", "^ ?human;ms=[0-9]+$"),
                       Self.check("From", "sip:\\+15550001111@")].joined(separator: "\n"),
            "PT": "0", "CODEC": "PCMU", "CLIP": Self.audio + "/machine-beep.ulaw", "RING_MS": "300", "END": Self.waitForBye,
        ], in: setup)
        let capture = try await PacketCapture(filter: "udp portrange \(setup.rtpPorts.lowerBound)-\(setup.rtpPorts.upperBound)",
                                              in: setup.directory.path)
        let call = try await Self.call(person, ["--amd", "detect", "--connect", "sip:agent@127.0.0.1:\(agent.port)", "--hold", "hold.wav"],
                                       in: setup)
        let packets = try await capture.stop()
        #expect(call.exitCode == 0, "\(call.output)")
        #expect(await person.waitForExit() == 0, "person: \(person.log.suffix(800))")
        #expect(await agent.waitForExit() == 0, "agent (its header checks): \(agent.log.suffix(800))")

        // A person was detected, put through, and hung up first: the agent's leg got our BYE.
        #expect(call.last("amd_human_detected") != nil)
        #expect(call.last("connecting")?["connect_target"] as? String == "sip:agent@127.0.0.1:\(agent.port)")
        #expect(call.last("connected") != nil)
        #expect(call.ended["reason_code"] as? String == "client-disconnected")
        #expect(call.ended["connect_sip_code"] as? String == "200")
        let answerMs = try #require((call.ended["connect_answer_ms"] as? String).flatMap(Int.init))
        #expect(answerMs >= 250 && answerMs < 2000, "the agent rang 300 ms: \(answerMs) ms")
        let connected = try #require((call.ended["connected_sec"] as? String).flatMap(Double.init))
        #expect(connected > 1 && connected < 5, "bridged \(connected) s")

        // On the wire: each party's packets reach the other unchanged, renumbered as one stream.
        let ourPorts = packets.filter { setup.rtpPorts.contains($0.sourcePort) }.map(\.sourcePort)
        let personPort = try #require(packets.first { setup.rtpPorts.contains($0.destinationPort) && $0.sourcePort != 0 }.map(\.destinationPort))
        let legPort = try #require(Set(ourPorts).filter { $0 != personPort && $0 % 2 == 0 }.first)
        let sippPerson = try #require(packets.first { $0.destinationPort == personPort }?.sourcePort)
        let sippAgent = try #require(packets.first { $0.destinationPort == legPort }?.sourcePort)
        let personSaid = Self.flow(packets, from: sippPerson, to: personPort)
        let agentHeard = Self.flow(packets, from: legPort, to: sippAgent)
        let agentSaid = Self.flow(packets, from: sippAgent, to: legPort)
        let personHeardAll = Self.flow(packets, from: personPort, to: sippPerson)
        try #require(agentHeard.count > 50 && agentSaid.count > 50, "relayed \(agentHeard.count) and \(agentSaid.count) packets")
        // What the person said after the bridge is what the agent heard, byte for byte.
        let relayedPayloads = agentHeard.map(\.payload)
        let start = try #require(personSaid.firstIndex { $0.payload == relayedPayloads[0] })
        #expect(Array(personSaid[start...].prefix(relayedPayloads.count).map(\.payload)) == relayedPayloads)
        // The agent's audio reached the person, after the hold prompt (not silence) they heard first.
        let agentPayloads = agentSaid.map(\.payload)
        let firstRelayed = try #require(personHeardAll.firstIndex { $0.payload == agentPayloads[0] })
        #expect(Array(personHeardAll[firstRelayed...].map(\.payload).prefix(agentPayloads.count)) == Array(agentPayloads.prefix(personHeardAll.count - firstRelayed)))
        #expect(personHeardAll[..<firstRelayed].contains { !$0.silent }, "the hold prompt played while the agent rang")
        // One continuous stream to the person: one SSRC, sequence numbers without a jump.
        #expect(Set(personHeardAll.compactMap(\.ssrc)).count == 1)
        let sequence = personHeardAll.compactMap(\.sequenceNumber)
        #expect(zip(sequence, sequence.dropFirst()).allSatisfy { ($1 - $0 + 65536) % 65536 == 1 })
    }

    /// While bridged, a leg is looked after once a second, not every 20 ms: its RTCP sender reports
    /// still go out every 5 s, and a far end that goes quiet still ends the call (`no media`).
    @Test func aBridgedCallKeepsReportingAndEndsWhenThePersonGoesQuiet() async throws {
        let setup = try Self.setUp(rtpBase: 30140, extraConfig: #""media": {"inactivityTimeoutSec": 6},"#)
        // The person says hello for 0.9 s and then sends nothing; the agent streams for 11.8 s.
        let person = try await Self.sipp("uas-stream.xml.in", ["CLIP": Self.audio + "/human-hello-only.ulaw"], in: setup)
        let agent = try await Self.sipp("uas-agent.xml.in", [
            "CHECKS": "", "PT": "0", "CODEC": "PCMU", "CLIP": Self.audio + "/machine-beep.ulaw", "RING_MS": "0", "END": Self.waitForBye,
        ], in: setup)
        let capture = try await PacketCapture(filter: "udp portrange \(setup.rtpPorts.lowerBound)-\(setup.rtpPorts.upperBound)",
                                              in: setup.directory.path)
        let call = try await Self.call(person, ["--connect", "sip:agent@127.0.0.1:\(agent.port)"], in: setup)
        let packets = try await capture.stop()
        #expect(call.ended["reason_code"] as? String == "error", "\(call.output)")
        #expect(await person.waitForExit() == 0, "person (our BYE): \(person.log.suffix(800))")
        #expect(await agent.waitForExit() == 0, "agent (our BYE): \(agent.log.suffix(800))")
        #expect(call.last("connected") != nil, "\(call.output)")
        #expect(call.ended["reason"] as? String == "no media", "\(call.output)")
        // 6 s after the person's last packet at 0.9 s (checked once a second): the agent's stream
        // lasts 11.8 s, so its own silence could end the call only after 17.8 s.
        let connected = try #require((call.ended["connected_sec"] as? String).flatMap(Double.init))
        #expect(connected >= 6.5 && connected < 14, "bridged \(connected) s")
        // Sender reports from both of our legs' RTCP ports while bridged (every 5 s of each leg).
        let reports = packets.filter { $0.rtcpTypes.contains(200) && setup.rtpPorts.contains($0.sourcePort) }
        #expect(Set(reports.map(\.sourcePort)).count == 2, "sender reports from \(Set(reports.map(\.sourcePort)).sorted())")
    }

    @Test func theAgentHangingUpEndsThePersonsCallAndAPCMAAgentIsTranscoded() async throws {
        let setup = try Self.setUp(rtpBase: 30020)
        let person = try await Self.sipp("uas-stream.xml.in", ["CLIP": Self.audio + "/human-hello.ulaw"], in: setup)
        let agent = try await Self.sipp("uas-agent.xml.in", [
            "CHECKS": "", "PT": "8", "CODEC": "PCMA", "CLIP": Self.audio + "/machine-beep.ulaw", "RING_MS": "0",
            "END": Self.hangUp(afterMs: 2500),
        ], in: setup)
        let capture = try await PacketCapture(filter: "udp portrange \(setup.rtpPorts.lowerBound)-\(setup.rtpPorts.upperBound)",
                                              in: setup.directory.path)
        // Without detection, whoever answers is put through at once.
        let call = try await Self.call(person, ["--connect", "sip:agent@127.0.0.1:\(agent.port)"], in: setup)
        let packets = try await capture.stop()
        #expect(call.exitCode == 0, "\(call.output)")
        #expect(await person.waitForExit() == 0, "person (our BYE): \(person.log.suffix(800))")
        #expect(await agent.waitForExit() == 0, "agent: \(agent.log.suffix(800))")
        #expect(call.ended["reason_code"] as? String == "agent-disconnected")

        let toAgent = packets.filter { $0.payloadType == 8 && !setup.rtpPorts.contains($0.destinationPort) }
        let fromAgent = packets.filter { $0.payloadType == 8 && setup.rtpPorts.contains($0.destinationPort) }
        let toPerson = packets.filter { $0.payloadType == 0 && !setup.rtpPorts.contains($0.destinationPort) }
        let fromPerson = packets.filter { $0.payloadType == 0 && setup.rtpPorts.contains($0.destinationPort) }
        try #require(toAgent.count > 50 && toPerson.count > 50, "\(toAgent.count) packets to the agent, \(toPerson.count) to the person")
        // PCMU from the person arrives as the same sound in PCMA, and the other way round.
        let muToA = { (byte: UInt8) in G711.aLaw(G711.muLawToLinear[Int(byte)]) }
        let aToMu = { (byte: UInt8) in G711.muLaw(G711.aLawToLinear[Int(byte)]) }
        let expectedAtAgent = fromPerson.map { $0.payload.map(muToA) }
        let first = try #require(expectedAtAgent.firstIndex { $0 == toAgent[0].payload })
        #expect(Array(expectedAtAgent[first...].prefix(toAgent.count)) == toAgent.map(\.payload))
        let expectedAtPerson = fromAgent.map { $0.payload.map(aToMu) }
        let firstBack = try #require(toPerson.firstIndex { $0.payload == expectedAtPerson[0] })
        #expect(Array(toPerson[firstBack...].map(\.payload).prefix(expectedAtPerson.count))
            == Array(expectedAtPerson.prefix(toPerson.count - firstBack)))
    }

    @Test func keyPressesReachTheAgentInItsOwnPayloadType() async throws {
        let setup = try Self.setUp(rtpBase: 30120)
        let person = try await Self.sipp("uas-press-digit.xml.in", ["PCAP": "/usr/share/sip-tester/dtmf_2833_9.pcap"], in: setup)
        // The agent takes telephone-event as payload type 96 (we offer 101): relayed digits must be renumbered.
        let agent = try await Self.sipp("uas-agent.xml.in", [
            "CHECKS": "", "PT": "0", "CODEC": "PCMU", "MORE_PTS": " 96", "MORE_RTPMAP": "\na=rtpmap:96 telephone-event/8000",
            "CLIP": Self.audio + "/machine-beep.ulaw", "RING_MS": "0", "END": Self.waitForBye,
        ], in: setup)
        let capture = try await PacketCapture(filter: "udp portrange \(setup.rtpPorts.lowerBound)-\(setup.rtpPorts.upperBound)",
                                              in: setup.directory.path)
        let call = try await Self.call(person, ["--connect", "sip:agent@127.0.0.1:\(agent.port)", "--hangup-after", "3"], in: setup)
        let packets = try await capture.stop()
        #expect(call.exitCode == 0, "\(call.output)")
        #expect(await person.waitForExit() == 0, "person: \(person.log.suffix(800))")
        #expect(await agent.waitForExit() == 0, "agent: \(agent.log.suffix(800))")
        #expect(call.last("connected") != nil)
        #expect(call.last("digit")?["digit"] as? String == "9")
        let personEvents = packets.filter { $0.payloadType == 101 && setup.rtpPorts.contains($0.destinationPort) }
        let agentEvents = packets.filter { $0.payloadType == 96 && !setup.rtpPorts.contains($0.destinationPort) }
        try #require(!personEvents.isEmpty, "the person's SIPp sent no RFC 4733 packets")
        // Every event packet the person sent reached the agent, as payload type 96, its payload (event 9) unchanged.
        #expect(agentEvents.map(\.payload) == personEvents.map(\.payload))
        #expect(agentEvents.allSatisfy { $0.payload.first == 9 })
    }

    // MARK: Abandoned

    @Test(arguments: ["busy", "no-answer"])
    func nobodyTakesThePersonSoTheyHearTheAbandonPromptWithinTwoSeconds(_ agentDoes: String) async throws {
        let setup = try Self.setUp(rtpBase: agentDoes == "busy" ? 30040 : 30060)
        let person = try await Self.sipp("uas-stream.xml.in", ["CLIP": Self.audio + "/human-hello.ulaw"], in: setup)
        let agent = agentDoes == "busy"
            ? try await Self.sipp("uas-reject.xml.in", ["CODE": "486", "REASON": "Busy Here"], in: setup)
            : try await Self.sipp("uas-ring-until-cancel.xml", [:], in: setup)
        let call = try await Self.call(person, ["--amd", "detect", "--connect", "sip:agent@127.0.0.1:\(agent.port)",
                                                "--connect-timeout", "1", "--abandon", "sorry.wav"], in: setup)
        #expect(call.exitCode == 0, "\(call.output)")
        #expect(await person.waitForExit() == 0, "person: \(person.log.suffix(800))")
        #expect(await agent.waitForExit() == 0, "agent: \(agent.log.suffix(800))")
        #expect(call.ended["reason_code"] as? String == "abandoned")
        #expect(call.ended["abandoned"] as? String == "true")
        #expect(call.ended["connect_sip_code"] as? String == (agentDoes == "busy" ? "486" : "487"))
        #expect(call.last("abandoned") != nil)
        // The abandon prompt starts within 2 s of the end of the person's greeting (the verdict).
        let promptStarted = try #require(call.events.last { $0["event"] as? String == "prompt-started" && $0["prompt"] as? String == "abandon" })
        _ = promptStarted
        let gap = try #require(call.millis(from: "amd_human_detected", to: "prompt-started"))
        #expect(gap >= 0 && gap <= 2000, "abandon prompt \(gap) ms after the greeting ended")
    }

    // MARK: Refer

    @Test func aReferTheFarEndTakesEndsOurLegAsTransferred() async throws {
        let setup = try Self.setUp(rtpBase: 30080)
        let notify = """
              <send retrans="500"><![CDATA[
            NOTIFY [$remote_contact] SIP/2.0
            Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
            From: <sip:callee@[local_ip]:[local_port]>;tag=[pid]SIPpTag01[call_number]
            To: [$remote_from]
            [last_Call-ID:]
            CSeq: 2 NOTIFY
            Contact: <sip:[local_ip]:[local_port]>
            Event: refer
            Subscription-State: terminated;reason=noresource
            Max-Forwards: 70
            Content-Type: message/sipfrag;version=2.0
            Content-Length: [len]

            SIP/2.0 200 OK
            ]]></send>
              <recv response="200" />
            """
        let person = try await Self.sipp("uas-refer.xml.in", [
            "CLIP": Self.audio + "/human-hello.ulaw", "REFER_TO": "sip:sales@127.0.0.1:5999",
            "CHECKS": Self.check("X-Callee", "^ ?sip:person@127.0.0.1:[0-9]+$"), "REFER_CODE": "202", "REFER_REASON": "Accepted",
            "AFTER": notify,
        ], in: setup)
        let call = try await Self.call(person, ["--connect", "sip:sales@127.0.0.1:5999", "--connect-method", "refer"], in: setup)
        #expect(call.exitCode == 0, "\(call.output)")
        #expect(await person.waitForExit() == 0, "person (Refer-To, Referred-By, our BYE): \(person.log.suffix(800))")
        #expect(call.ended["reason_code"] as? String == "transferred")
        #expect(call.ended["connect_sip_code"] as? String == "200")
        #expect(call.last("transferred") != nil)
    }

    @Test func aRefusedReferIsAbandoned() async throws {
        let setup = try Self.setUp(rtpBase: 30100)
        let person = try await Self.sipp("uas-refer.xml.in", [
            "CLIP": Self.audio + "/human-hello.ulaw", "REFER_TO": "sip:sales@127.0.0.1:5999", "CHECKS": "",
            "REFER_CODE": "603", "REFER_REASON": "Declined", "AFTER": "",
        ], in: setup)
        let call = try await Self.call(person, ["--connect", "sip:sales@127.0.0.1:5999", "--connect-method", "refer",
                                                "--abandon", "sorry.wav"], in: setup)
        #expect(call.exitCode == 0, "\(call.output)")
        #expect(await person.waitForExit() == 0, "person: \(person.log.suffix(800))")
        #expect(call.ended["reason_code"] as? String == "abandoned")
        #expect(call.ended["connect_sip_code"] as? String == "603")
        #expect(call.events.contains { $0["event"] as? String == "prompt-started" && $0["prompt"] as? String == "abandon" })
    }
}
