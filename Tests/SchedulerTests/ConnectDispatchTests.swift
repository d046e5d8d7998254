import Foundation
import Telephony
import Testing
@testable import Scheduler

/// Campaigns that put people through, dispatched against a real store in a temp directory.
@Suite struct ConnectDispatchTests {
    func importCampaign(_ store: String, contacts: [ContactSpec], configure: (inout CampaignSettings) -> Void) throws {
        var settings = CampaignSettings()
        settings.dialoutLimitPerSecond = 1000
        settings.maxConcurrentCalls = 0
        settings.window.start = 0
        settings.window.end = 24 * 60
        configure(&settings)
        _ = try QueueStore(dataDirectory: store).importCampaign(CampaignSpec(
            id: "sales", sourceFile: "sales.json", settings: settings, contacts: contacts, duplicateCount: 0, contentHash: "sales"))
    }

    @Test func theAgentIsToldWhoIsCallingAndTheCDRSaysHowTheConnectWent() async throws {
        let directory = try TestDirectory()
        let data = directory.path + "/var"
        try importCampaign(data, contacts: [
            ContactSpec(target: "+15551230001", metadata: #"{"first name":"Alice","plan":"gold"}"#, line: 2),
            ContactSpec(target: "+15551230002", line: 3),
        ]) { settings in
            settings.metadata = #"{"wave":2}"#
            var connect = ConnectSettings(target: "sip:bot@10.0.0.5:5080")
            connect.headers = [HeaderField(name: "X-Bot-Flow", value: "renewal")]
            connect.timeoutSec = 15
            settings.onHuman = PromptSettings(connect: connect)
            settings.maxRetryNo = 3
        }
        let store = try QueueWriter(dataDirectory: data)
        let cdr = try CDRWriter(dataDirectory: data)
        let dialer = ConnectingDialer(abandoning: ["+15551230002"])
        let dispatcher = Dispatcher(store: store, dialer: dialer, cdr: cdr, clock: ContinuousClock(), configuration: .init(
            globalRate: 1000, globalMaxConcurrentCalls: 0, defaultTimeZone: TimeZone(identifier: "UTC")!, refreshInterval: .milliseconds(100)))
        let summary = try await dispatcher.run(.once(until: nil))
        #expect(summary.attempts == 2)
        #expect(summary.byOutcome[.abandoned] == 1)

        try cdr.catchUp()
        let lines = try FileManager.default.contentsOfDirectory(atPath: data + "/cdr").flatMap { file in
            try String(contentsOfFile: data + "/cdr/" + file, encoding: .utf8).split(separator: "\n")
                .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        }
        let alice = try #require(lines.first { $0["target"] as? String == "+15551230001" })
        let bob = try #require(lines.first { $0["target"] as? String == "+15551230002" })

        // What the agent's INVITE carries: the campaign's headers, the call's identity (the ids the
        // CDR and webhooks use), each metadata field and all of it as RFC 7433 hex.
        let request = try #require(dialer.requests.first { $0.target.description == "+15551230001" })
        let plan = try #require(request.script?.humanConnect)
        #expect(plan.target == "sip:bot@10.0.0.5:5080")
        #expect(plan.method == .bridge)
        #expect(plan.timeout == .seconds(15))
        #expect(request.script?.machineConnect == nil)
        let json = #"{"wave":2,"first name":"Alice","plan":"gold"}"#
        #expect(plan.headers.map { "\($0.name): \($0.value)" } == [
            "X-Bot-Flow: renewal",
            "X-Campaign-Id: sales",
            "X-Contact-Id: \(alice["contactId"] as? Int ?? -1)",
            "X-Conversation-Id: \(alice["conversationId"] as? String ?? "?")",
            "X-Callee: +15551230001",
            "X-Meta-wave: 2",
            "X-Meta-first-name: Alice",
            "X-Meta-plan: gold",
            "User-to-User: " + json.utf8.map { String(format: "%02x", $0) }.joined() + ";encoding=hex",
        ])

        #expect(alice["reasonCode"] as? String == "client-disconnected")
        #expect(alice["connectTarget"] as? String == "sip:bot@10.0.0.5:5080")
        #expect(alice["connectSipCode"] as? Int == 200)
        #expect(alice["connectAnswerMs"] as? Int == 650)
        #expect(alice["connectedSec"] as? Double == 42.5)
        #expect(alice["abandoned"] as? Bool == false)
        #expect(bob["reasonCode"] as? String == "abandoned")
        #expect(bob["connectSipCode"] as? Int == 486)
        #expect(bob["abandoned"] as? Bool == true)
        #expect(bob["willRetry"] as? Bool == false)
        #expect(bob["connectedSec"] is NSNull)

        let counts = try QueueStore(dataDirectory: data).abandonmentStats(campaignID: "sales", now: Timestamp.nowMs())
        #expect(counts == AbandonmentStats(people: 2, abandoned: 1, peopleLast30Days: 2, abandonedLast30Days: 1))
    }

    @Test func progressiveDialingKeepsCallsWithinTheAgentsEvenWhenTheRateAllowsMore() async throws {
        let directory = try TestDirectory()
        let data = directory.path + "/var"
        let targets = (0..<12).map { "+1555123\(String(format: "%04d", $0))" }
        try importCampaign(data, contacts: targets.enumerated().map { ContactSpec(target: $0.element, line: $0.offset + 2) }) { settings in
            var connect = ConnectSettings(target: "sip:agents@pbx.example")
            connect.maxConcurrent = 3
            settings.onHuman = PromptSettings(connect: connect)
        }
        let dialer = ConnectingDialer(callDuration: .milliseconds(100))
        let dispatcher = Dispatcher(store: try QueueWriter(dataDirectory: data), dialer: dialer, cdr: try CDRWriter(dataDirectory: data),
                                    clock: ContinuousClock(), configuration: .init(
            globalRate: 1000, globalMaxConcurrentCalls: 0, defaultTimeZone: TimeZone(identifier: "UTC")!, refreshInterval: .milliseconds(100)))
        let summary = try await dispatcher.run(.once(until: nil))
        #expect(summary.attempts == 12)
        #expect(Set(dialer.requests.map(\.target.description)) == Set(targets))
        // 1000 calls a second and no maxConcurrentCalls would start all twelve at once; three agents hold it to three.
        // (At most: on a loaded machine a call may end before the third of a batch is placed.)
        #expect(dialer.peakConcurrency <= 3)
    }

    @Test func withDetectionOffEveryAnsweredCallIsPutThroughAndACallWithoutConnectHasNoConnectFields() throws {
        let builder = CallRequestBuilder(trunks: [])
        var settings = CampaignSettings()
        settings.onHuman = PromptSettings(connect: ConnectSettings(target: "sip:agents@pbx.example"))
        let identity = ConnectHeaders.Identity(campaignID: "c", contactID: 1, conversationID: "v", callee: "+15551230001")
        let script = try #require(builder.script(for: settings, identity: identity) { _ in nil })
        #expect(script.machineDetection == .disabled)
        #expect(script.humanConnect?.target == "sip:agents@pbx.example")
        #expect(script.needsMedia)
        #expect(CallRequestBuilder.needsMedia(settings))
        // onMachine.connect applies only when detection tells machines from people.
        settings.onMachine = PromptSettings(connect: ConnectSettings(target: "sip:vm-bot@example"))
        #expect(builder.script(for: settings, identity: identity) { _ in nil }?.machineConnect == nil)
        settings.machineDetection = .detect
        #expect(builder.script(for: settings, identity: identity) { _ in nil }?.machineConnect?.target == "sip:vm-bot@example")

        let record = CDRRecord(cdrId: "x", conversationId: "v", sipCallId: nil, campaignId: "c", contactId: 1, attempt: 1, target: "+1",
                               caller: nil, trunk: nil, startTime: 0, ringTime: nil, connectTime: nil, disconnectTime: 0, status: .failed,
                               reasonCode: .busy, reason: nil, sipCode: 486, machineDetection: nil, amdDecisionMs: nil, beepDetected: nil,
                               willRetry: false, nextAttemptAt: nil, metadata: "{}")
        #expect(record.jsonLine.hasSuffix(#""connectTarget":null,"connectSipCode":null,"connectAnswerMs":null,"connectedSec":null,"abandoned":null}"#))
    }

    @Test func aMachineThatNobodyConnectsStopsWaitingForASlotAndEachEndedCallCountsAsWhatItWas() {
        typealias Driver = Dispatcher<ContinuousClock>
        let people = CallScript(machineDetection: .detect, humanConnect: ConnectPlan(target: "sip:agents@pbx"))
        let both = CallScript(machineDetection: .detect, humanConnect: ConnectPlan(target: "sip:agents@pbx"),
                              machineConnect: ConnectPlan(target: "sip:vm-bot@pbx"))
        #expect(Driver.isNeverConnected(.machineDetected, people))
        #expect(Driver.isNeverConnected(.faxDetected, people))
        #expect(!Driver.isNeverConnected(.humanDetected, people))
        // Unsure verdicts keep the call counted as waiting: it may still be put through.
        #expect(!Driver.isNeverConnected(.noSpeechDetected, people))
        #expect(!Driver.isNeverConnected(.decisionTimeout, people))
        #expect(!Driver.isNeverConnected(.machineDetected, both))
        #expect(!Driver.isNeverConnected(.machineDetected, CallScript(machineDetection: .detect)))

        func result(answered: Bool, verdict: AMDEvent.Kind?, connect: ConnectResult?) -> CallResult {
            CallResult(outcome: ScriptedDialer.answered, sipCallID: "x", startTime: 0, ringTime: nil, connectTime: answered ? 1 : nil,
                       disconnectTime: 2, machineDetection: verdict.map { AMDEvent($0, timeMs: 1500) }, connect: connect)
        }
        let taken = ConnectResult(target: "sip:agents@pbx", method: .bridge, sipCode: 200)
        let abandoned = ConnectResult(target: "sip:agents@pbx", method: .bridge, sipCode: 486, abandoned: true)
        #expect(Driver.sample(nil) == .notAnswered)
        #expect(Driver.sample(result(answered: false, verdict: nil, connect: nil)) == .notAnswered)
        #expect(Driver.sample(result(answered: true, verdict: .machineDetected, connect: nil)) == .notAPerson)
        #expect(Driver.sample(result(answered: true, verdict: .machineDetected, connect: taken)) == .notAPerson)
        #expect(Driver.sample(result(answered: true, verdict: .humanDetected, connect: taken)) == .person(abandoned: false))
        #expect(Driver.sample(result(answered: true, verdict: nil, connect: abandoned)) == .person(abandoned: true))
    }
}
