import Foundation
import Testing

/// A campaign with `onHuman.connect`, run by `campaignd run --once` against two SIPp instances (the
/// person, who says hello and hangs up after 5 s, and the agent): the agent's INVITE carries the
/// call's identity and metadata, and the CDR says how the connect went.
@Suite(.serialized) struct ConnectCampaignTests {
    @Test func aCampaignPutsThePersonThroughWithItsIdentityAndTheCDRRecordsIt() async throws {
        let setup = try ConnectCallTests.setUp(rtpBase: 30200)
        let receiver = try await WebhookReceiver(in: setup.directory.path, secret: "whsec-connect")
        try setup.directory.write("campaignd.json", """
            {"sip": {"bindAddress": "127.0.0.1", "port": 0, "t1Ms": 100, "rtpPortMin": 30200, "rtpPortMax": 30219},
             "notifications": {"signingSecret": "whsec-connect", "connectTimeoutSec": 1, "readTimeoutSec": 2},
             "defaults": {"caller": "+15550001111"}}
            """)
        let person = try await ConnectCallTests.sipp(
            "uas-stream-hangup.xml.in", ["CLIP": ConnectCallTests.audio + "/human-hello.ulaw", "HANGUP_MS": "5000"], in: setup)
        // RFC 7433 hex of the metadata JSON (the campaign's, then the contact's), written out here.
        let uui = #"{"wave":"2","plan":"gold"}"#.utf8.map { String(format: "%02x", $0) }.joined()
        let agent = try await ConnectCallTests.sipp("uas-agent.xml.in", [
            "CHECKS": [
                ConnectCallTests.check("X-Bot-Flow", "^ ?renewal$"),
                ConnectCallTests.check("X-Campaign-Id", "^ ?bot$"),
                ConnectCallTests.check("X-Contact-Id", "^ ?[0-9]+$"),
                ConnectCallTests.check("X-Conversation-Id", "^ ?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"),
                ConnectCallTests.check("X-Callee", "^ ?sip:person@127.0.0.1:\(person.port)$"),
                ConnectCallTests.check("X-Meta-wave", "^ ?2$"),
                ConnectCallTests.check("X-Meta-plan", "^ ?gold$"),
                ConnectCallTests.check("User-to-User", "^ ?\(uui);encoding=hex$"),
            ].joined(separator: "\n"),
            "PT": "0", "CODEC": "PCMU", "CLIP": ConnectCallTests.audio + "/machine-beep.ulaw", "RING_MS": "200",
            "END": ConnectCallTests.waitForBye,
        ], in: setup)
        try setup.directory.write("campaigns/bot.json", """
            {"machineDetection": "detect", "timezone": "UTC", "notifyUrl": "http://127.0.0.1:\(receiver.port)/events", "window": {"start": "00:00", "end": "24:00"}, "metadata": {"wave": "2"},
             "onHuman": {"connect": {"target": "sip:agent@127.0.0.1:\(agent.port)", "headers": {"X-Bot-Flow": "renewal"},
                                     "maxConcurrent": 2}},
             "contacts": [{"target": "sip:person@127.0.0.1:\(person.port)", "metadata": {"plan": "gold"}}]}
            """)
        let run = try await CampaigndProcess.run(["run", "--once"], in: setup.directory.path, timeout: 60)
        #expect(run.exitCode == 0, "\(run.stderr.suffix(1500))")
        #expect(await person.waitForExit() == 0, "person: \(person.log.suffix(800))")
        #expect(await agent.waitForExit() == 0, "agent (its header checks): \(agent.log.suffix(800))")

        let cdr = try await setup.directory.campaignd("cdr")
        let lines = cdr.stdout.split(separator: "\n").compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
        let record = try #require(lines.first, "\(cdr.stdout) \(run.stderr.suffix(1500))")
        #expect(lines.count == 1)
        #expect(record["machineDetection"] as? String == "amd_human_detected")
        #expect(record["reasonCode"] as? String == "client-disconnected")
        #expect(record["connectTarget"] as? String == "sip:agent@127.0.0.1:\(agent.port)")
        #expect(record["connectSipCode"] as? Int == 200)
        #expect(record["abandoned"] as? Bool == false)
        #expect(record["willRetry"] as? Bool == false)
        let answerMs = try #require(record["connectAnswerMs"] as? Int)
        #expect(answerMs >= 150 && answerMs < 2000, "the agent rang 200 ms: \(answerMs) ms")
        let connected = try #require(record["connectedSec"] as? Double)
        #expect(connected > 1 && connected < 5, "bridged \(connected) s")

        // The webhooks tell the story in order: answered, the verdict, put through, connected, ended.
        let events = receiver.requests.filter { $0["status"] as? Int == 200 }
            .compactMap { ($0["body"] as? [String: Any])?["event"] as? String }
        #expect(events.filter { ["answered", "amd_human_detected", "connecting", "connected"].contains($0) }
            == ["answered", "amd_human_detected", "connecting", "connected"], "\(events)")
        #expect(events.last == "completed", "\(events)")

        let report = try await setup.directory.campaignd("report", "bot", "--format", "json")
        let numbers = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        let connect = try #require(numbers["connect"] as? [String: Any])
        #expect(connect["people"] as? Int == 1)
        #expect(connect["abandoned"] as? Int == 0)
    }
}
