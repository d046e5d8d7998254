import Foundation
import Scheduler
import Testing
@testable import CampaignDaemon

/// The pure parts of Vonage AI Studio's endpoint (seed 001): its time format, destinations,
/// `hangup_on_answer_machine` and `session_parameters`.
@Suite struct VonageEndpointTests {
    @Test func sessionStartTimeIsUTCWithMicrosecondsAndNoZone() {
        // The document's example: 2020-10-14T09:42:07.151657 (1602668527 s is 09:42:07 UTC that day).
        #expect(VonageEndpoint.sessionStartTime(Date(timeIntervalSince1970: 1_602_668_527.151657)) == "2020-10-14T09:42:07.151657")
        #expect(VonageEndpoint.sessionStartTime(Date(timeIntervalSince1970: 1_602_668_527.000042)) == "2020-10-14T09:42:07.000042")
        #expect(VonageEndpoint.sessionStartTime(Date(timeIntervalSince1970: 946_684_799.9999996)) == "2000-01-01T00:00:00.000000")
    }

    @Test(arguments: [
        ("9725411116037", "+9725411116037"), ("sip:sipnumber@sipaddress", "sip:sipnumber@sipaddress"), ("SIP:bob@pbx.example.com", "SIP:bob@pbx.example.com"),
        ("+9725411116037", nil), ("972 54 111 6037", nil), ("tel:+9725411116037", nil), ("1234567890123456", nil), ("", nil), ("sip:", nil),
    ] as [(String, String?)])
    func destinations(to: String, target: String?) {
        #expect(VonageEndpoint.target(to) == target)
    }

    @Test func hangupOnAnswerMachine() {
        #expect(VonageEndpoint.machineDetection(true, profile: .disabled) == .disconnect)
        #expect(VonageEndpoint.machineDetection(true, profile: .detect) == .disconnect)
        #expect(VonageEndpoint.machineDetection(false, profile: .disabled) == nil)
        #expect(VonageEndpoint.machineDetection(false, profile: .detect) == nil)
        #expect(VonageEndpoint.machineDetection(false, profile: .disconnect) == .detect)
        #expect(VonageEndpoint.machineDetection(nil, profile: .disconnect) == nil)
    }

    @Test func sessionParametersBecomeMetadataFields() throws {
        let node = try JSONParser.parse(Array(#"[{"name": "CALLER_NAME", "value": "Diane Miller"}, {"name": "PROPERTY_VALUE", "value": 500}]"#.utf8),
                                        file: "t")
        let fields = try #require(VonageEndpoint.sessionParameters(node))
        #expect(fields.map(\.key) == ["CALLER_NAME", "PROPERTY_VALUE"])
        #expect(fields.map(\.node.serialized) == [#""Diane Miller""#, "500"])
        for bad in [#"{"name": "x"}"#, #"[{"value": "x"}]"#, #"["x"]"#, #"[{"name": 3, "value": "x"}]"#] {
            #expect(VonageEndpoint.sessionParameters(try JSONParser.parse(Array(bad.utf8), file: "t")) == nil, "\(bad)")
        }
    }

    @Test func aCallThatCannotBeQueuedIsTheDocumented500() {
        let (status, body) = VonageEndpoint.response(.unavailable("disk I/O error"), now: Date())
        #expect(status == 500)
        #expect(body == #"{"status":500,"message":"Failed to fetch preconfigured session information"}"#)
    }
}
