import Foundation
import Testing
@testable import Scheduler
import Telephony

@Suite struct WebhookUnitTests {
    @Test func postsAreCappedPerHostAndPort() {
        // Credentials, paths and queries do not make another endpoint; the port does.
        #expect(WebhookDeliverer.endpointKey("http://user:pw@hooks.example.com:8080/a/b?x=1") == "hooks.example.com:8080")
        #expect(WebhookDeliverer.endpointKey("http://hooks.example.com:8080/other") == "hooks.example.com:8080")
        #expect(WebhookDeliverer.endpointKey("http://hooks.example.com/a") == "hooks.example.com:80")
    }

    @Test func logsNeverShowCredentialsInURLs() {
        #expect(WebhookDeliverer.redacted("http://user:secret@hooks.example.com/path?token=abc") == "http://hooks.example.com/path")
        #expect(WebhookDeliverer.redacted("http://127.0.0.1:9000/x") == "http://127.0.0.1:9000/x")
    }

    @Test func headersCarryAuthCustomHeadersAndAVerifiableSignature() throws {
        var settings = CampaignSettings()
        settings.notifyUsername = "hook"
        settings.notifyPassword = "p4ss"
        settings.notifyHeaders = [HeaderField(name: "X-Tenant", value: "acme")]
        let body = #"{"event":"completed"}"#
        let headers = Dictionary(uniqueKeysWithValues: WebhookDeliverer.headers(
            body: body, event: "completed", campaign: settings, secret: "s3cret", now: 1_795_290_340_907))
        #expect(headers["Authorization"] == "Basic aG9vazpwNHNz")
        #expect(headers["X-Tenant"] == "acme")
        #expect(headers["X-Campaignd-Event"] == "completed")
        let expected = HMACSHA256.hexCode(key: "s3cret", message: "1795290340." + body)
        #expect(headers["X-Campaignd-Signature"] == "t=1795290340,v1=" + expected)
        // No secret, no signature.
        #expect(!WebhookDeliverer.headers(body: body, event: "x", campaign: nil, secret: nil, now: 0).contains { $0.0 == "X-Campaignd-Signature" })
    }
}
