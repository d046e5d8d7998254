import Foundation
import Testing
@testable import Scheduler
import Telephony

/// Kore.ai SmartAssist's notification bodies (seed 003) made from CDR records, checked against the
/// seed's own "NotifyURL Sample Response": the records carry the sample's times, and the bodies must
/// come out as the sample's text, key for key and in its order.
@Suite struct KoreAINotificationsTests {
    static let url = "https://dialer.example/notify"
    static let conversation = "433a9a58-44eb-4c56-bb3e-ab2415f0xxxx"

    /// 2025-06-26T12:49:17.600Z, the sample's answer.
    static let answeredAt: Int64 = 1_750_942_157_600

    /// A call answered at `connect` that rang 3381 ms and was dialed 4343 ms before (the sample's delays).
    static func record(connect: Int64?, disconnect: Int64, ringMs: Int64 = 3381, dialMs: Int64 = 4343) -> CDRRecord {
        let answerOrEnd = connect ?? disconnect
        return CDRRecord(
            cdrId: "685d41cd54d09f7f699axxxx", conversationId: conversation, sipCallId: "a@b", campaignId: "st-bot", contactId: 1,
            attempt: 1, target: "+911234567890", caller: "+11234567890", trunk: "TRUNK", startTime: answerOrEnd - dialMs,
            ringTime: answerOrEnd - ringMs, connectTime: connect, disconnectTime: disconnect, status: nil, reasonCode: nil, reason: nil,
            sipCode: nil, machineDetection: nil, amdDecisionMs: nil, beepDetected: nil, willRetry: false, nextAttemptAt: nil, metadata: "{}")
    }

    static func settings(subscription: [String]? = nil) -> CampaignSettings {
        var settings = CampaignSettings()
        settings.notifyFormat = .koreai
        settings.notifyUrl = url
        settings.amdEventsSubscription = subscription
        settings.notifyHeaders = [HeaderField(name: "x-channel-type", value: "X42_IVR"), HeaderField(name: "Accept", value: "application/json")]
        return settings
    }

    func plan(_ stage: NotifyStage, _ record: CDRRecord, settings: CampaignSettings = settings()) -> [PlannedNotification] {
        NotificationPlanner.plan(stage, record: record, settings: settings, contactURL: nil)
    }

    /// The one `Failed` notification of `record`, as JSON.
    func failedBody(_ record: CDRRecord) throws -> [String: Any] {
        let planned = try #require(plan(.ended(.failed), record).first)
        return try #require(try JSONSerialization.jsonObject(with: Data(planned.body.utf8)) as? [String: Any])
    }

    @Test func theAnsweredCallsNotificationsAreTheSeedsSamples() throws {
        var live = Self.record(connect: Self.answeredAt, disconnect: Self.answeredAt)
        let answered = try #require(plan(.answered, live).first)
        #expect(answered.body == #"""
            {"conversationId":"433a9a58-44eb-4c56-bb3e-ab2415f0xxxx","reason":"200 OK","reasonCode":"OK","callConnectTime":"2025-06-26T12:49:17.600Z","ringDurationInMS":3381,"connectDurationInMS":4343,"status":"Answered"}
            """#)
        #expect(answered.url == Self.url)
        #expect(answered.signatureHeader == "SAVG-Signature")
        #expect(answered.headers == Self.settings().notifyHeaders)

        // The AMD events, each at its own time after the answer (12:49:21.761 and 12:49:31.103).
        live.machineDetection = .machineDetected
        let machine = try #require(plan(.amd(AMDEvent(.machineDetected, timeMs: 4161)), live).first)
        #expect(machine.body == #"""
            {"conversationId":"433a9a58-44eb-4c56-bb3e-ab2415f0xxxx","reason":"200 OK","reasonCode":"OK","callConnectTime":"2025-06-26T12:49:21.761Z","ringDurationInMS":3381,"connectDurationInMS":4343,"status":"Call-In-Progress","machineDetection":"amd_machine_detected"}
            """#)
        let stopped = try #require(plan(.amd(AMDEvent(.stopped, timeMs: 13_503)), live).first)
        #expect(stopped.body == #"""
            {"conversationId":"433a9a58-44eb-4c56-bb3e-ab2415f0xxxx","reason":"200 OK","reasonCode":"OK","callConnectTime":"2025-06-26T12:49:31.103Z","ringDurationInMS":3381,"connectDurationInMS":4343,"status":"Call-In-Progress","machineDetection":"amd_stopped"}
            """#)

        // Ended by the bot's side 109.542 s after the answer at 12:49:17.609: 109 s, as the sample has it.
        var ended = Self.record(connect: 1_750_942_157_609, disconnect: 1_750_942_267_151)
        ended.status = .completed
        ended.reasonCode = .dialerDisconnected
        ended.machineDetection = .machineDetected
        let completed = try #require(plan(.ended(.completed), ended).first)
        // The sample writes "bot-disconnected"; the seed's table of reason codes "Bot-disconnected", which campaignd sends.
        #expect(completed.body == #"""
            {"conversationId":"433a9a58-44eb-4c56-bb3e-ab2415f0xxxx","reason":"200 OK","reasonCode":"Bot-disconnected","callConnectTime":"2025-06-26T12:49:17.609Z","ringDurationInMS":3381,"connectDurationInMS":4343,"status":"completed","callDuration":109,"machineDetection":"amd_machine_detected","sessionId":"685d41cd54d09f7f699axxxx","callDisconnectTime":"2025-06-26T12:51:07.151Z"}
            """#)
    }

    @Test func theBusyCallsNotificationIsTheSeedsSample() throws {
        // Rang 15255 ms, dialed 17204 ms before the 486 at 13:00:13.374.
        var busy = Self.record(connect: nil, disconnect: 1_750_942_813_374, ringMs: 15_255, dialMs: 17_204)
        busy.conversationId = "00721e4f-bcbe-4965-ba3f-b24aec5bxxxx"
        busy.status = .failed
        busy.reasonCode = .busy
        busy.sipCode = 486
        busy.reason = "Busy Here"
        let failed = try #require(plan(.ended(.failed), busy).first)
        #expect(failed.body == #"""
            {"conversationId":"00721e4f-bcbe-4965-ba3f-b24aec5bxxxx","reason":"486 Busy Here","reasonCode":"Busy Here","callConnectTime":"2025-06-26T13:00:13.374Z","ringDurationInMS":15255,"connectDurationInMS":17204,"status":"Failed","callDisconnectTime":"2025-06-26T13:00:13.374Z"}
            """#)
    }

    @Test(arguments: [
        (CallOutcome.ReasonCode.clientDisconnected, "Caller-disconnected"), (.dialerDisconnected, "Bot-disconnected"),
        (.agentDisconnected, "Bot-disconnected"), (.transferred, "Bot-disconnected"), (.abandoned, "Bot-disconnected"),
        (.machineDetected, "KoreVG-disconnected"), (.error, "KoreVG-disconnected"), (.maxDuration, "KoreVG-disconnected"),
    ])
    func whoEndedAnAnsweredCallIsInTheSeedsWords(code: CallOutcome.ReasonCode, expected: String) throws {
        var record = Self.record(connect: Self.answeredAt, disconnect: Self.answeredAt + 5000)
        record.reasonCode = code
        let body = try #require(plan(.ended(.completed), record).first?.body)
        #expect(body.contains(#""reasonCode":"\#(expected)""#), "\(body)")
        #expect(!body.contains("machineDetection"), "no AMD verdict, no machineDetection: \(body)")
    }

    @Test(arguments: [
        (486, "Busy Here", CallOutcome.ReasonCode.busy, "486 Busy Here", "Busy Here"),
        (503, "Service Unavailable", .unavailable, "503 Service Unavailable", "Service Unavailable"),
        (480, "Temporarily Unavailable", .noAnswer, "480 Temporarily Unavailable", "Temporarily Unavailable"),
        // The far end's own phrase is the free-text reason; the code's RFC 3261 phrase is the reasonCode.
        (603, "Nope", .declined, "603 Nope", "Decline"),
    ])
    func aFailedCallGivesItsFinalResponse(sipCode: Int, phrase: String, code: CallOutcome.ReasonCode, reason: String,
                                          reasonCode: String) throws {
        var record = Self.record(connect: nil, disconnect: Self.answeredAt)
        (record.sipCode, record.reason, record.reasonCode) = (sipCode, phrase, code)
        let body = try failedBody(record)
        #expect(body["reason"] as? String == reason)
        #expect(body["reasonCode"] as? String == reasonCode)
        #expect(body["status"] as? String == "Failed")
    }

    @Test func aFailedCallWithoutAResponseSaysWhatHappened() throws {
        var record = Self.record(connect: nil, disconnect: Self.answeredAt)
        record.ringTime = nil
        (record.reasonCode, record.reason) = (.error, "no route to host")
        let body = try failedBody(record)
        #expect(body["reason"] as? String == "no route to host")
        #expect(body["reasonCode"] as? String == "Server Internal Error")
        #expect(body["ringDurationInMS"] as? Int == 0, "it never rang")
        #expect(body["connectDurationInMS"] as? Int == 4343)
    }

    @Test func amdEventsFollowTheSubscriptionAndNothingElseIsSent() {
        let live = Self.record(connect: Self.answeredAt, disconnect: Self.answeredAt)
        let human = NotifyStage.amd(AMDEvent(.humanDetected, timeMs: 1500))
        #expect(plan(human, live).count == 1, "by default every AMD event is sent")
        #expect(plan(human, live, settings: Self.settings(subscription: [])).isEmpty, "amdEventsSubscription [] sends none")
        #expect(plan(human, live, settings: Self.settings(subscription: ["amd_human_detected"])).count == 1)
        #expect(plan(.amd(AMDEvent(.stopped, timeMs: 1600)), live, settings: Self.settings(subscription: ["amd_human_detected"])).isEmpty)
        // SmartAssist has no progress or connect notifications.
        #expect(plan(.progress(.ringing), live).isEmpty)
        #expect(plan(.connect("connected"), live).isEmpty)
        var silent = Self.settings()
        silent.notifyUrl = nil
        #expect(plan(.answered, live, settings: silent).isEmpty, "no notifyurl, no notifications")
    }

    @Test func notifyUsernameAddsBasicCredentialsToTheNotifyHeaders() throws {
        var settings = Self.settings()
        settings.notifyUsername = "kore.ai"
        settings.notifyPassword = "pw"
        let headers = try #require(plan(.answered, Self.record(connect: Self.answeredAt, disconnect: Self.answeredAt), settings: settings)
            .first?.headers)
        // base64("kore.ai:pw")
        #expect(headers.last == HeaderField(name: "Authorization", value: "Basic a29yZS5haTpwdw=="))
        #expect(headers.dropLast() == Self.settings().notifyHeaders[...])
    }
}
