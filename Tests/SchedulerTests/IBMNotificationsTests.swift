import Foundation
import Telephony
import Testing
@testable import Scheduler

/// IBM Voice Gateway's notification bodies (seed 002, Tables 5 and 6) planned from a call's record.
@Suite struct IBMNotificationsTests {
    func record(sipCode: Int? = nil, reason: String? = nil, reasonCode: CallOutcome.ReasonCode? = nil) -> CDRRecord {
        CDRRecord(
            cdrId: "c1", conversationId: "0f1e2d3c-vgw", sipCallId: "abc@campaignd", campaignId: "tenant1", contactId: 7, attempt: 1,
            target: "+15551230106", caller: "alice", trunk: "gw", startTime: 1_795_176_000_000, ringTime: nil, connectTime: nil,
            disconnectTime: 1_795_176_002_000, status: nil, reasonCode: reasonCode, reason: reason, sipCode: sipCode,
            machineDetection: nil, amdDecisionMs: nil, beepDetected: nil, willRetry: false, nextAttemptAt: nil, metadata: "{}")
    }

    var settings: CampaignSettings {
        var settings = CampaignSettings()
        settings.notifyFormat = .ibm
        settings.notifyUrl = "https://crm.example.com/vgw"
        settings.notifyUsername = "vgw"
        settings.notifyPassword = "hook-pass"
        return settings
    }

    func body(_ planned: PlannedNotification?) throws -> [String: String] {
        let text = try #require(planned?.body)
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String])
    }

    @Test(arguments: [
        (NotifyStage.progress(.started), "started"), (.progress(.ringing), "ringing"), (.answered, "active"),
        (.connect("transferred"), "transferred"), (.ended(.completed), "ended"),
    ])
    func eachCallStateHasTheSessionAndNoFailureReason(stage: NotifyStage, state: String) throws {
        let planned = NotificationPlanner.plan(stage, record: record(), settings: settings, contactURL: nil)
        #expect(planned.count == 1)
        #expect(try body(planned.first) == ["vgwSessionID": "0f1e2d3c-vgw", "callState": state])
        #expect(planned.first?.url == "https://crm.example.com/vgw")
        // "vgw:hook-pass" in base64, worked out by hand (RFC 4648).
        #expect(planned.first?.headers == [HeaderField(name: "Authorization", value: "Basic dmd3Omhvb2stcGFzcw==")])
    }

    @Test func aFailedCallSaysWhyAsAStatusLine() throws {
        let busy = NotificationPlanner.plan(.ended(.failed), record: record(sipCode: 486, reason: "Busy Here", reasonCode: .busy),
                                            settings: settings, contactURL: nil)
        #expect(try body(busy.first) == ["vgwSessionID": "0f1e2d3c-vgw", "callState": "failed", "failureReason": "486 Busy Here"])
        // The far end's own phrase is kept; without one, RFC 3261's.
        let declined = NotificationPlanner.plan(.ended(.failed), record: record(sipCode: 603, reasonCode: .declined), settings: settings, contactURL: nil)
        #expect(try body(declined.first)["failureReason"] == "603 Decline")
        let own = NotificationPlanner.plan(.ended(.failed), record: record(sipCode: 480, reason: "Callee Offline", reasonCode: .noAnswer),
                                           settings: settings, contactURL: nil)
        #expect(try body(own.first)["failureReason"] == "480 Callee Offline")
        // No final response: what happened in words.
        let silent = NotificationPlanner.plan(.ended(.failed), record: record(reason: "no response to the INVITE (Timer B)", reasonCode: .error),
                                              settings: settings, contactURL: nil)
        #expect(try body(silent.first)["failureReason"] == "no response to the INVITE (Timer B)")
    }

    @Test func stagesWithoutACallStateSendNothing() {
        let amd = AMDEvent(.machineDetected, timeMs: 1200)
        for stage in [NotifyStage.progress(.earlyMedia), .amd(amd), .connect("connecting"), .connect("connected"), .connect("abandoned")] {
            #expect(NotificationPlanner.plan(stage, record: record(), settings: settings, contactURL: nil).isEmpty, "\(stage)")
        }
        var quiet = settings
        quiet.notifyUrl = nil
        #expect(NotificationPlanner.plan(.answered, record: record(), settings: quiet, contactURL: nil).isEmpty)
    }

    @Test func withoutCredentialsNoAuthorizationIsSent() {
        var open = settings
        open.notifyUsername = nil
        open.notifyPassword = nil
        #expect(NotificationPlanner.plan(.answered, record: record(), settings: open, contactURL: nil).first?.headers == [])
    }
}
