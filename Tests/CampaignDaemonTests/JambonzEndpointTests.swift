import Foundation
import Scheduler
import Testing
@testable import CampaignDaemon

/// The pure parts of jambonz's createCall: reading `to`, a hook, `amd`, and JavaScript's idea of a
/// missing `from`, as jambonz's API server reads them.
@Suite struct JambonzEndpointTests {
    func node(_ json: String) throws -> JSONNode {
        try JSONParser.parse(Array(json.utf8), file: "test")
    }

    @Test func relativeHooksResolveAgainstTheCallHooksOrigin() {
        #expect(JambonzEndpoint.absolute("https://hooks.example/amd", base: nil) == "https://hooks.example/amd")
        #expect(JambonzEndpoint.absolute("/amdEvents", base: "https://bot.example:8443/call?x=1") == "https://bot.example:8443/amdEvents")
        #expect(JambonzEndpoint.absolute("/amdEvents", base: "http://[::1]:8080") == "http://[::1]:8080/amdEvents")
        #expect(JambonzEndpoint.absolute("/amdEvents", base: nil) == nil)
        #expect(JambonzEndpoint.absolute("amdEvents", base: "http://bot.example/") == nil)
    }

    @Test func destinationsAsValidateToAcceptsThem() throws {
        let phone = try #require(JambonzEndpoint.Destination(try node(#"{"type":"phone","number":"+15557770001","trunk":"carrier"}"#)))
        #expect(phone.kind == .phone && phone.address == "+15557770001" && phone.trunk == "carrier")
        #expect(JambonzEndpoint.Destination(try node(#"{"type":"user","name":"alice@sip.example"}"#))?.address == "alice@sip.example")
        #expect(JambonzEndpoint.Destination(try node(#"{"type":"sip","sipUri":"sip:bob@pbx.example"}"#))?.address == "sip:bob@pbx.example")
        #expect(JambonzEndpoint.Destination(try node(#"{"type":"teams","number":"+15557770001"}"#))?.kind == .teams)
        // Each type needs its own field, as a string.
        for bad in [#"{"type":"phone","name":"alice"}"#, #"{"type":"sip","number":"+1555"}"#, #"{"type":"fax","number":"+1555"}"#,
                    #"{"number":"+1555"}"#, #"{"type":"phone","number":15557770001}"#, #""+15557770001""#] {
            #expect(JambonzEndpoint.Destination(try node(bad)) == nil, "\(bad)")
        }
    }

    @Test func amdSettingsAreHeldToTheDetectorsRanges() throws {
        let amd = try #require(JambonzEndpoint.AMDRequest(try node(
            #"{"actionHook":{"url":"http://hooks.example/amd"},"thresholdWordCount":500,"timers":{"noSpeechTimeoutMs":100,"decisionTimeoutMs":9000,"beepTimeoutMs":3},"recognizer":{"vendor":"google"}}"#)))
        #expect(amd.actionHook == "http://hooks.example/amd")
        #expect(JSONNode(.object(amd.settings), at: try node("{}").location).serialized
            == #"{"thresholdWordCount":100,"timers":{"noSpeechTimeoutMs":500,"decisionTimeoutMs":9000}}"#)
        #expect(JSONNode(.object(amd.rest), at: try node("{}").location).serialized
            == #"{"recognizer":{"vendor":"google"},"timers":{"beepTimeoutMs":3}}"#)
        // Without an actionHook jambonz detects all the same.
        #expect(JambonzEndpoint.AMDRequest(try node("{}"))?.actionHook == nil)
    }

    @Test func fromIsMissingWhenJavaScriptSaysSo() throws {
        for falsy in [#""""#, "0", "false", "null"] { #expect(!JambonzEndpoint.isTruthy(try node(falsy)), "\(falsy)") }
        for truthy in [#""+15550002222""#, "15550002222", "true", "{}", "[]"] { #expect(JambonzEndpoint.isTruthy(try node(truthy)), "\(truthy)") }
    }
}
