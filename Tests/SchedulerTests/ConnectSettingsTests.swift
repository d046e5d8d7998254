import Foundation
import Testing
@testable import Scheduler

@Suite struct ConnectSettingsTests {
    @Test func readsEveryConnectSettingAndKeepsThemWithTheCampaign() throws {
        let fixture = try LoaderFixture()
        try fixture.directory.write("campaigns/prompts/hold.wav", bytes: wav(sampleRate: 8000))
        try fixture.directory.write("campaigns/prompts/sorry.wav", bytes: wav(sampleRate: 8000))
        let spec = try fixture.load("sales.json", """
            {"machineDetection": "detect",
             "onHuman": {"connect": {"target": "sip:sales@pbx.example", "trunk": "backup", "method": "refer", "timeoutSec": 15,
                                     "headers": {"X-Queue": "gold"}, "holdPlay": "hold.wav", "abandonPlay": "sorry.wav",
                                     "maxConcurrent": 25, "dialRatio": 1.5, "maxAbandonRate": 0.02}},
             "onMachine": {"connect": {"target": "+15557654321"}},
             "contacts": [{"target": "+15551230001"}]}
            """)
        let human = try #require(spec.settings.onHuman?.connect)
        #expect(human.target == "sip:sales@pbx.example")
        #expect(human.trunk == "backup")
        #expect(human.method == .refer)
        #expect(human.timeoutSec == 15)
        #expect(human.headers == [HeaderField(name: "X-Queue", value: "gold")])
        #expect(human.holdPlay == fixture.context.promptsDirectory + "/hold.wav")
        #expect(human.abandonPlay == fixture.context.promptsDirectory + "/sorry.wav")
        #expect(human.maxConcurrent == 25)
        #expect(human.dialRatio == 1.5)
        #expect(human.maxAbandonRate == 0.02)
        #expect(human.isPredictive)
        let machine = try #require(spec.settings.onMachine?.connect)
        #expect(machine.target == "+15557654321")
        #expect(machine.method == .bridge)
        #expect(machine.timeoutSec == 20)
        #expect(machine.maxAbandonRate == 0.03)
        #expect(!machine.isPredictive)
        // Stored as JSON with the campaign, read back the same.
        let stored = try JSONDecoder().decode(CampaignSettings.self, from: JSONEncoder().encode(spec.settings))
        #expect(stored == spec.settings)
    }

    @Test func aCSVCampaignTakesConnectFromTheConfigurationDefaults() throws {
        let fixture = try LoaderFixture(defaults: #"{"onHuman": {"connect": {"target": "sip:bot@10.0.0.5:5080", "maxConcurrent": 3}}}"#)
        let spec = try fixture.load("spring.csv", "target,name\n+15551230001,Alice\n")
        #expect(spec.settings.onHuman?.connect?.target == "sip:bot@10.0.0.5:5080")
        #expect(spec.settings.onHuman?.connect?.maxConcurrent == 3)
    }

    @Test func reportsEveryBadConnectSettingWithLineAndPath() throws {
        let fixture = try LoaderFixture()
        let problems = try fixture.problems("bad.json", """
            {"onHuman": {"connect": {
                "target": "bot@example",
                "trunk": "carier",
                "method": "transfer",
                "timeoutSec": 0,
                "headers": {"X-Callee": "x", "Via": "y"},
                "holdPlay": "../etc/hold.wav",
                "abandonPlay": "nope.wav",
                "dialRatio": 0.5,
                "maxAbandonRate": 2,
                "maxConcurent": 3}},
             "onMachine": {"connect": {"target": "sip:bot@example", "dialRatio": 2}},
             "contacts": [{"target": "+15551230001"}]}
            """)
        let prompts = fixture.context.promptsDirectory
        #expect(problems == [
            "bad.json:2: onHuman.connect.target: target \"bot@example\" is not a phone number or SIP URI; a connect target is a sip: URI or an E.164 number such as +15557654321",
            "bad.json:3: onHuman.connect.trunk: trunk \"carier\" is not configured; configured trunks: carrier, backup (did you mean \"carrier\"?)",
            "bad.json:4: onHuman.connect.method: \"transfer\" is not one of \"bridge\", \"refer\"",
            "bad.json:5: onHuman.connect.timeoutSec: 0 is out of range; expected 1 to 300",
            "bad.json:6: onHuman.connect.headers.X-Callee: header X-Callee is set by campaignd itself and cannot be overridden",
            "bad.json:6: onHuman.connect.headers.Via: header Via is set by campaignd itself and cannot be overridden",
            "bad.json:7: onHuman.connect.holdPlay: prompt \"../etc/hold.wav\" is outside campaigns/prompts/; put the file there and name it relative to that folder",
            "bad.json:8: onHuman.connect.abandonPlay: prompt \"nope.wav\" does not exist (looked for \(prompts)/nope.wav)",
            "bad.json:9: onHuman.connect.dialRatio: 0.5 is out of range; expected more than 0.999999 and at most 5",
            "bad.json:10: onHuman.connect.maxAbandonRate: 2 is out of range; expected more than 0 and at most 1",
            "bad.json:11: onHuman.connect.maxConcurent: unknown setting \"maxConcurent\" (did you mean \"maxConcurrent\"?)",
            "bad.json:12: onMachine.connect.dialRatio: dialRatio belongs in onHuman.connect: the campaign is paced by the people it reaches, and calls put through to machines hold slots of the same pool",
        ])
    }

    @Test func predictiveDialingNeedsTheNumberOfSlotsAndANumberNeedsATrunk() throws {
        var fixture = try LoaderFixture()
        fixture.context.trunkNames = []
        let problems = try fixture.problems("bad.json", """
            {"onHuman": {"connect": {"target": "+15557654321", "dialRatio": 2}},
             "contacts": [{"target": "sip:alice@example.com"}]}
            """)
        #expect(problems == [
            "bad.json:1: onHuman.connect.dialRatio: dialRatio dials ahead of the free slots of maxConcurrent; set maxConcurrent (the agents or bot sessions available) too",
        ])
        let numbered = try fixture.problems("number.json", """
            {"onHuman": {"connect": {"target": "+15557654321"}}, "contacts": [{"target": "sip:alice@example.com"}]}
            """)
        #expect(numbered == [
            "number.json:1: onHuman.connect.target: target \"+15557654321\" is a number, which is dialed through a trunk, and the configuration has no trunks; use a sip: URI",
        ])
        let machines = try fixture.problems("machines.json", """
            {"machineDetection": "disconnect", "onMachine": {"connect": {"target": "sip:bot@example"}},
             "contacts": [{"target": "sip:alice@example.com"}]}
            """)
        #expect(machines == [
            "machines.json:1: onMachine.connect: onMachine.connect puts machines through, which needs machineDetection \"detect\" (it is \"disconnect\"); with \"disabled\" every answered call goes to onHuman.connect",
        ])
    }

    @Test func headersThatWouldNotFitTheInviteAreRefusedAtImport() throws {
        let fixture = try LoaderFixture()
        let long = String(repeating: "v", count: 1025)
        let tooLongValue = try fixture.problems("long.json", """
            {"onHuman": {"connect": {"target": "sip:bot@example", "headers": {"X-Long": "\(long)"}}},
             "contacts": [{"target": "+15551230001"}]}
            """)
        #expect(tooLongValue == [
            "long.json:1: onHuman.connect.headers: header X-Long would be 1025 bytes; a connect header value may be at most 1024 bytes",
        ])
        let many = (0..<5).map { "\"X-H\($0)\": \"\(String(repeating: "v", count: 1000))\"" }.joined(separator: ", ")
        let tooMany = try fixture.problems("many.json", """
            {"onHuman": {"connect": {"target": "sip:bot@example", "headers": {\(many)}}},
             "contacts": [{"target": "+15551230001"}]}
            """)
        #expect(tooMany.count == 1)
        #expect(tooMany.first?.hasPrefix("many.json:1: onHuman.connect.headers: the connect headers would take ") == true)
        #expect(tooMany.first?.contains("they may take at most 4096") == true)

        // A contact whose metadata would not fit is refused by line; the others are fine.
        let note = String(repeating: "n", count: 600)
        let csvProblems = try LoaderFixture(defaults: #"{"onHuman": {"connect": {"target": "sip:bot@example"}}}"#)
            .problems("list.csv", "target,note\n+15551230001,short\n+15551230002,\(note)\n")
        #expect(csvProblems == [
            "list.csv:3: metadata too large to be put through: header User-to-User would be 1235 bytes; a connect header value may be at most 1024 bytes (User-to-User carries the metadata as hex: keep the metadata under about 504 bytes of JSON)",
        ])
        // Without connect the same list is imported.
        #expect(try LoaderFixture().load("list.csv", "target,note\n+15551230001,short\n+15551230002,\(note)\n").contacts.count == 2)
    }
}

@Suite struct ConnectHeadersTests {
    @Test func theAgentGetsTheIdentityEveryMetadataFieldAndTheMetadataAsHexUserToUser() {
        let fields = ConnectHeaders.fields(
            custom: [HeaderField(name: "X-Queue", value: "gold")],
            identity: .init(campaignID: "spring", contactID: 42, conversationID: "c0ffee", callee: "+15551230001",
                            metadata: #"{"first name":"Zoë","account":7,"tags":["a"],"bad\r\n":"x\ny","gone":null}"#))
        #expect(fields.map { "\($0.name): \($0.value)" } == [
            "X-Queue: gold",
            "X-Campaign-Id: spring",
            "X-Contact-Id: 42",
            "X-Conversation-Id: c0ffee",
            "X-Callee: +15551230001",
            "X-Meta-first-name: Zoë",
            "X-Meta-account: 7",
            "X-Meta-tags: [\"a\"]",
            "X-Meta-bad--: x y",
            // "Zoë" is 5A 6F C3 AB in UTF-8; the JSON escapes of the CR LF key stay escapes.
            "User-to-User: " + hexOf(#"{"first name":"Zoë","account":7,"tags":["a"],"bad\r\n":"x\ny","gone":null}"#) + ";encoding=hex",
        ])
        #expect(fields.last?.value.hasPrefix("7b226669727374206e616d65223a225a6fc3ab22") == true)
    }

    @Test func noMetadataMeansNoMetaHeadersAndNoUserToUser() {
        let fields = ConnectHeaders.fields(custom: [], identity: .init(campaignID: "c", conversationID: "v", callee: "sip:a@b"))
        #expect(fields.map(\.name) == ["X-Campaign-Id", "X-Conversation-Id", "X-Callee"])
    }

    @Test(arguments: [("plan", "X-Meta-plan"), ("first name", "X-Meta-first-name"), ("ü", nil), ("a:b", "X-Meta-a-b"), ("", nil)])
    func metadataNamesBecomeHeaderTokens(key: String, header: String?) {
        #expect(ConnectHeaders.metaHeaderName(key) == header)
    }
}

/// Lower-case hex of the UTF-8 bytes, written out independently of the code under test.
private func hexOf(_ text: String) -> String {
    text.utf8.map { String(format: "%02x", $0) }.joined()
}
