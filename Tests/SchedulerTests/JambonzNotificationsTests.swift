import Foundation
import Telephony
import Testing
@testable import Scheduler

/// jambonz-shaped webhooks (`notifyFormat: jambonz`) from a call's record, stage by stage: the
/// status words jambonz's createCall uses for each final response, the duration it reports, the AMD
/// hook's events, and what the endpoint kept in the metadata (`tag`, `to`, the sids).
@Suite struct JambonzNotificationsTests {
    static let metadata = #"{"application_sid":"app-1","account_sid":"acct-1","to":{"type":"phone","number":"+15557770001","trunk":"carrier"},"tag":{"z":1,"a":{"b":[true,null]}}}"#

    func record(sipCode: Int? = nil, reasonCode: CallOutcome.ReasonCode? = nil, reason: String? = nil, answeredForMs: Int64? = nil,
                metadata: String = Self.metadata) -> CDRRecord {
        let start: Int64 = 1_795_176_000_000
        return CDRRecord(
            cdrId: "cdr-1", conversationId: "conv-1", sipCallId: "abc@campaignd", campaignId: "app-1", contactId: 1, attempt: 1,
            target: "+15557770001", caller: "+15550002222", trunk: "carrier", startTime: start, ringTime: start + 100,
            connectTime: answeredForMs.map { _ in start + 1000 }, disconnectTime: start + 1000 + (answeredForMs ?? 0),
            status: answeredForMs == nil ? .failed : .completed, reasonCode: reasonCode, reason: reason, sipCode: sipCode,
            machineDetection: nil, amdDecisionMs: nil, beepDetected: nil, willRetry: false, nextAttemptAt: nil, metadata: metadata)
    }

    func settings(amdURL: String? = "http://hooks.example/amd") -> CampaignSettings {
        var settings = CampaignSettings()
        settings.notifyFormat = .jambonz
        settings.notifyUrl = "http://hooks.example/status"
        settings.amdNotifyUrl = amdURL
        return settings
    }

    func plan(_ stage: NotifyStage, _ record: CDRRecord, _ settings: CampaignSettings) -> [PlannedNotification] {
        NotificationPlanner.plan(stage, record: record, settings: settings, contactURL: nil)
    }

    func body(_ notification: PlannedNotification?) throws -> [String: Any] {
        let text = try #require(notification?.body)
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// jambonz's createCall: 486 and 603 are busy, 487 (our CANCEL at the ring timeout) no-answer,
    /// anything else failed, with the far end's reason phrase.
    @Test(arguments: [
        (486, nil, "Busy Here", "busy", 486, "Busy Here"),
        (603, nil, "Decline", "busy", 603, "Decline"),
        (600, nil, nil, "failed", 600, "Busy Everywhere"),
        (487, nil, "Request Terminated", "no-answer", 487, "Request Terminated"),
        (480, nil, "Temporarily Unavailable", "failed", 480, "Temporarily Unavailable"),
        (404, nil, "Not Found", "failed", 404, "Not Found"),
        (nil, CallOutcome.ReasonCode.noAnswer, "no final response to the INVITE within 64×T1 of our CANCEL", "no-answer", 487,
         "Request Terminated"),
        (nil, CallOutcome.ReasonCode.error, "cannot reach the trunk", "failed", 500, "cannot reach the trunk"),
    ] as [(Int?, CallOutcome.ReasonCode?, String?, String, Int, String)])
    func unansweredCallsInJambonzWords(_ code: Int?, _ reasonCode: CallOutcome.ReasonCode?, _ reason: String?,
                                       _ status: String, _ sipStatus: Int, _ sipReason: String) throws {
        let planned = plan(.ended(.failed), record(sipCode: code, reasonCode: reasonCode ?? code.map { CallOutcome.failed(sipCode: $0, reason: nil).reasonCode }, reason: reason),
                           settings())
        #expect(planned.count == 1)
        #expect(planned.first?.url == "http://hooks.example/status")
        #expect(planned.first?.event == status)
        let json = try body(planned.first)
        #expect(json["call_status"] as? String == status)
        #expect(json["sip_status"] as? Int == sipStatus)
        #expect(json["sip_reason"] as? String == sipReason)
        #expect(json["duration"] == nil, "duration is only on a completed call")
    }

    @Test func everyStatusHookCarriesTheCallInfoInJambonzOrder() throws {
        var settings = settings()
        settings.notifyUsername = "hook"
        settings.notifyPassword = "p4ss"
        settings.notifyHeaders = [HeaderField(name: "X-Tenant", value: "acme")]
        let answered = plan(.answered, record(answeredForMs: 0), settings)
        let notification = try #require(answered.first)
        #expect(notification.signatureHeader == "Jambonz-Signature")
        #expect(notification.headers == [HeaderField(name: "X-Tenant", value: "acme"),
                                         HeaderField(name: "Authorization", value: "Basic " + Data("hook:p4ss".utf8).base64EncodedString())])
        // The tag is echoed as the request wrote it; the keys come in jambonz's CallInfo.toJSON order.
        #expect(notification.body == #"{"call_sid":"conv-1","direction":"outbound","from":"+15550002222","to":"+15557770001","#
            + #""call_id":"abc@campaignd","sip_status":200,"sip_reason":"OK","call_status":"in-progress","account_sid":"acct-1","#
            + #""application_sid":"app-1","customerData":{"z":1,"a":{"b":[true,null]}}}"#)
        for (progress, status, code) in [(CallProgressEvent.started, "trying", 100), (.ringing, "ringing", 180), (.earlyMedia, "early-media", 183)] {
            let json = try body(plan(.progress(progress), record(), settings).first)
            #expect(json["call_status"] as? String == status && json["sip_status"] as? Int == code)
        }
        #expect(plan(.connect("connected"), record(answeredForMs: 0), settings).isEmpty)
        var silent = settings
        silent.notifyUrl = nil
        #expect(plan(.answered, record(answeredForMs: 0), silent).isEmpty)
        #expect(plan(.ended(.failed), record(sipCode: 486), silent).isEmpty)
    }

    /// jambonz reports whole seconds from the answer, rounded down (moment's diff in seconds).
    @Test(arguments: [(0, 0), (999, 0), (2999, 2), (3000, 3), (61_500, 61)] as [(Int64, Int)])
    func completedCallsHaveTheirDurationInWholeSeconds(_ answeredMs: Int64, _ seconds: Int) throws {
        let json = try body(plan(.ended(.completed), record(answeredForMs: answeredMs), settings()).first)
        #expect(json["call_status"] as? String == "completed")
        #expect(json["sip_status"] as? Int == 200 && json["sip_reason"] as? String == "OK")
        #expect(json["duration"] as? Int == seconds)
    }

    @Test func theDestinationIsNamedAsTheRequestNamedIt() throws {
        let user = #"{"to":{"type":"user","name":"alice"}}"#
        let sip = #"{"to":{"type":"sip","sipUri":"sip:agent@pbx.example:5080"}}"#
        #expect(try body(plan(.answered, record(answeredForMs: 0, metadata: user), settings()).first)["to"] as? String == "alice")
        #expect(try body(plan(.answered, record(answeredForMs: 0, metadata: sip), settings()).first)["to"] as? String == "sip:agent@pbx.example:5080")
        // Without the endpoint's metadata: the call's target, and no sids or customerData.
        let bare = try body(plan(.answered, record(answeredForMs: 0, metadata: "{}"), settings()).first)
        #expect(bare["to"] as? String == "+15557770001")
        #expect(bare["account_sid"] == nil && bare["application_sid"] == nil && bare["customerData"] == nil)
    }

    @Test func amdEventsGoToTheActionHookWithJambonzTypes() throws {
        let call = record(answeredForMs: 0)
        let machine = plan(.amd(AMDEvent(.machineDetected, timeMs: 5200, reason: .greetingTooLong)), call, settings())
        #expect(machine.count == 1)
        #expect(machine.first?.url == "http://hooks.example/amd")
        #expect(machine.first?.headers == [], "the status hook's credentials are not sent to the AMD hook")
        #expect(machine.first?.signatureHeader == "Jambonz-Signature")
        let json = try body(machine.first)
        #expect(json["type"] as? String == "amd_machine_detected" && json["reason"] as? String == "long greeting")
        #expect(json["call_status"] as? String == "in-progress" && json["call_sid"] as? String == "conv-1")

        let human = try body(plan(.amd(AMDEvent(.humanDetected, timeMs: 1500, reason: .greetingEnded)), call, settings()).first)
        #expect(human["type"] as? String == "amd_human_detected" && human["reason"] as? String == "short greeting")
        // jambonz has no fax verdict: a fax is a machine, with campaignd's reason.
        let fax = try body(plan(.amd(AMDEvent(.faxDetected, timeMs: 900, reason: .faxTone)), call, settings()).first)
        #expect(fax["type"] as? String == "amd_machine_detected" && fax["reason"] as? String == "fax-tone")
        let tone = try body(plan(.amd(AMDEvent(.toneDetected, timeMs: 7400, frequencyHz: 438)), call, settings()).first)
        #expect(tone["type"] as? String == "amd_tone_detected" && tone["frequency"] as? Int == 438 && tone["reason"] == nil)
        let stopped = try body(plan(.amd(AMDEvent(.stopped, timeMs: 8000)), call, settings()).first)
        #expect(stopped["type"] as? String == "amd_stopped" && stopped["reason"] == nil && stopped["frequency"] == nil)

        // No actionHook: no AMD webhooks; a subscription leaves out the rest.
        #expect(plan(.amd(AMDEvent(.stopped, timeMs: 8000)), call, settings(amdURL: nil)).isEmpty)
        var subscribed = settings()
        subscribed.amdEventsSubscription = ["amd_machine_detected"]
        #expect(plan(.amd(AMDEvent(.stopped, timeMs: 8000)), call, subscribed).isEmpty)
        #expect(plan(.amd(AMDEvent(.machineDetected, timeMs: 5200, reason: .wordCount)), call, subscribed).count == 1)
    }
}
