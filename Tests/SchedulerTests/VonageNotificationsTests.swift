import Foundation
import Telephony
import Testing
@testable import Scheduler

/// Vonage AI Studio's `status_url` callback (seed 001) planned from a call's record: only for calls
/// not picked up, with AI Studio's status words.
@Suite struct VonageNotificationsTests {
    func record(target: String = "+972542233016", sipCode: Int?, reasonCode: CallOutcome.ReasonCode?) -> CDRRecord {
        // 2022-05-31T06:40:45.475Z, the document's example timestamp.
        CDRRecord(
            cdrId: "c1", conversationId: "CON-4ee2e523-4ee13-4e98-ae94-e6e3e1ab9ac6", sipCallId: nil, campaignId: "60c09d70e6a68858f4220848",
            contactId: 3, attempt: 1, target: target, caller: "+15550004444", trunk: "sipp", startTime: 1_653_979_240_000, ringTime: nil,
            connectTime: nil, disconnectTime: 1_653_979_245_475, status: .failed, reasonCode: reasonCode, reason: nil, sipCode: sipCode,
            machineDetection: nil, amdDecisionMs: nil, beepDetected: nil, willRetry: false, nextAttemptAt: nil, metadata: "{}")
    }

    var settings: CampaignSettings {
        var settings = CampaignSettings()
        settings.notifyFormat = .vonage
        settings.notifyUrl = "https://studio.example.com/status"
        return settings
    }

    func body(_ planned: [PlannedNotification]) throws -> [String: String] {
        let text = try #require(planned.first?.body)
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String])
    }

    @Test func theDocumentedBusyExample() throws {
        let planned = NotificationPlanner.plan(.ended(.failed), record: record(sipCode: 486, reasonCode: .busy), settings: settings, contactURL: nil)
        #expect(planned.count == 1)
        #expect(planned.first?.url == "https://studio.example.com/status")
        #expect(planned.first?.headers == [])
        #expect(try body(planned) == [
            "agent_id": "60c09d70e6a68858f4220848", "to": "972542233016",
            "conversation_uuid": "CON-4ee2e523-4ee13-4e98-ae94-e6e3e1ab9ac6", "status": "busy", "timestamp": "2022-05-31T06:40:45.475Z",
        ])
    }

    @Test(arguments: [
        (486, CallOutcome.ReasonCode.busy, "busy"), (600, .busy, "busy"), (603, .declined, "rejected"),
        (487, .noAnswer, "timeout"), (408, .noAnswer, "timeout"), (480, .noAnswer, "timeout"),
        (404, .invalidNumber, "failed"), (503, .unavailable, "failed"), (488, .incompatible, "failed"),
    ])
    func eachFinalResponseHasItsStatus(code: Int, reasonCode: CallOutcome.ReasonCode, status: String) throws {
        // The outcome campaignd gives the final response is what decides.
        #expect(CallOutcome.failed(sipCode: code, reason: nil).reasonCode == reasonCode)
        let planned = NotificationPlanner.plan(.ended(.failed), record: record(sipCode: code, reasonCode: reasonCode), settings: settings, contactURL: nil)
        #expect(try body(planned)["status"] == status)
    }

    @Test func withoutAFinalResponse() throws {
        let error = NotificationPlanner.plan(.ended(.failed), record: record(sipCode: nil, reasonCode: .error), settings: settings, contactURL: nil)
        #expect(try body(error)["status"] == "failed")
        let cut = NotificationPlanner.plan(.ended(.failed), record: record(sipCode: nil, reasonCode: .interrupted), settings: settings, contactURL: nil)
        #expect(try body(cut)["status"] == "cancelled")
    }

    @Test func aSIPDestinationIsGivenBackAsWritten() throws {
        let planned = NotificationPlanner.plan(.ended(.failed), record: record(target: "sip:sipnumber@sipaddress", sipCode: 486, reasonCode: .busy),
                                               settings: settings, contactURL: nil)
        #expect(try body(planned)["to"] == "sip:sipnumber@sipaddress")
    }

    @Test func anAnsweredCallAndTheStagesBeforeTheEndSendNothing() {
        let answered = record(sipCode: 200, reasonCode: .clientDisconnected)
        let amd = AMDEvent(.machineDetected, timeMs: 900)
        for stage in [NotifyStage.progress(.started), .progress(.ringing), .progress(.earlyMedia), .answered, .amd(amd),
                      .connect("transferred"), .ended(.completed)] {
            #expect(NotificationPlanner.plan(stage, record: answered, settings: settings, contactURL: nil).isEmpty, "\(stage)")
        }
    }
}
