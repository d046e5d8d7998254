import Foundation
import Testing

/// Status webhooks end to end: calls against SIPp (deploy/sipp/uas-mixed.xml: numbers ending 1
/// answer and hang up, 6 are busy), webhooks to a real HTTP receiver on 127.0.0.1.
@Suite(.serialized) struct WebhookTests {
    static let secret = "whsec-test"

    func workspace(callee: SIPpCallee, receiverPort: Int) throws -> Workspace {
        let directory = try Workspace()
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "sipp", "host": "127.0.0.1", "port": \(callee.port)}],
             "sip": {"bindAddress": "127.0.0.1", "port": 0, "t1Ms": 100},
             "notifications": {"signingSecret": "\(Self.secret)", "connectTimeoutSec": 1, "readTimeoutSec": 2, "maxRetryNo": 5},
             "defaults": {"defaultCountryCode": "1", "caller": "+15550001111", "timezone": "UTC",
                          "window": {"start": "00:00", "end": "24:00"}, "maxRetryNo": 0}}
            """)
        try directory.write("campaigns/hooks.json", """
            {"name": "Hooks", "notifyUrl": "http://127.0.0.1:\(receiverPort)/campaignd/events",
             "notifyHeaders": {"X-Tenant": "acme"}, "notifyUsername": "hook", "notifyPassword": "p4ss",
             "metadata": {"batch": "nightly"},
             "contacts": [{"target": "+15557770001", "metadata": {"account": "A-1"}}, {"target": "+15557770006"},
                          {"target": "+15557770002", "notifyUrl": "http://127.0.0.1:\(receiverPort)/vip"}]}
            """)
        return directory
    }

    /// The successfully delivered requests' bodies, by target, in arrival order.
    func delivered(_ receiver: WebhookReceiver) -> [String: [[String: Any]]] {
        var byTarget: [String: [[String: Any]]] = [:]
        for request in receiver.requests where request["status"] as? Int == 200 {
            let body = request["body"] as? [String: Any] ?? [:]
            byTarget[body["target"] as? String ?? "", default: []].append(body)
        }
        return byTarget
    }

    func events(_ bodies: [[String: Any]]?) -> [String] { (bodies ?? []).compactMap { $0["event"] as? String } }

    @Test func everyEventArrivesOnceInOrderSignedAndAuthenticated() async throws {
        let scratch = try Workspace()
        let receiver = try await WebhookReceiver(in: scratch.path, secret: Self.secret)
        let callee = try await SIPpCallee(scenario: "uas-mixed.xml", calls: 3, in: scratch.path)
        let directory = try workspace(callee: callee, receiverPort: receiver.port)
        let result = try await directory.campaignd("run", "--once")
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr.suffix(2000))")

        let requests = receiver.requests
        #expect(requests.count == 5, "\(requests)")
        for request in requests {
            let headers = request["headers"] as? [String: String] ?? [:]
            // The contact with its own notifyUrl gets its events there; the others at the campaign's.
            let target = (request["body"] as? [String: Any])?["target"] as? String
            #expect(request["path"] as? String == (target == "+15557770002" ? "/vip" : "/campaignd/events"))
            #expect(request["signatureValid"] as? Bool == true)
            #expect(request["signatureHeader"] as? String == "X-Campaignd-Signature")
            #expect(headers["X-Tenant"] == "acme")
            #expect(headers["Authorization"] == "Basic " + Data("hook:p4ss".utf8).base64EncodedString())
            #expect(headers["Content-Type"] == "application/json")
        }
        let byTarget = delivered(receiver)
        #expect(events(byTarget["+15557770001"]) == ["answered", "completed"])
        #expect(events(byTarget["+15557770006"]) == ["failed"])
        #expect(events(byTarget["+15557770002"]) == ["answered", "completed"])

        let completed = try #require(byTarget["+15557770001"]?.last)
        #expect(completed["campaignId"] as? String == "hooks")
        #expect(completed["status"] as? String == "completed")
        #expect(completed["reasonCode"] as? String == "client-disconnected")
        #expect(completed["attempt"] as? Int == 1)
        #expect(completed["willRetry"] as? Bool == false)
        #expect(completed["callConnectTime"] is String && completed["callDisconnectTime"] is String)
        #expect((completed["connectDurationMs"] as? Int ?? 0) >= 400)
        #expect((completed["metadata"] as? [String: Any])?["account"] as? String == "A-1")
        #expect((completed["metadata"] as? [String: Any])?["batch"] as? String == "nightly")
        for key in ["conversationId", "contactId", "target", "reason", "sipCode", "ringDurationMs", "callDuration", "machineDetection"] {
            #expect(completed.keys.contains(key), "missing \(key)")
        }
        let answered = try #require(byTarget["+15557770001"]?.first)
        #expect(answered["status"] as? String == "answered")
        #expect(answered["conversationId"] as? String == completed["conversationId"] as? String)
        let failed = try #require(byTarget["+15557770006"]?.first)
        #expect(failed["status"] as? String == "failed")
        #expect(failed["reasonCode"] as? String == "busy")
        #expect(failed["sipCode"] as? Int == 486)
        #expect(failed["callConnectTime"] is NSNull)
        #expect(await callee.waitForExit() == 0)
        // Credentials never reach the log.
        #expect(!result.stderr.contains("p4ss") && !result.stderr.contains(Self.secret))
    }

    @Test func aFailedDeliveryIsRetried() async throws {
        let scratch = try Workspace()
        let receiver = try await WebhookReceiver(in: scratch.path, mode: "fail-first", secret: Self.secret)
        let callee = try await SIPpCallee(scenario: "uas-mixed.xml", calls: 3, in: scratch.path)
        let directory = try workspace(callee: callee, receiverPort: receiver.port)
        let result = try await directory.campaignd("run", "--once")
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr.suffix(2000))")
        let requests = receiver.requests
        #expect(requests.first?["status"] as? Int == 500)
        #expect(requests.count == 6, "5 events and one retry: \(requests.count)")
        let byTarget = delivered(receiver)
        #expect(events(byTarget["+15557770001"]) == ["answered", "completed"])
        #expect(events(byTarget["+15557770006"]) == ["failed"])
        #expect(result.stderr.contains("webhook failed") && result.stderr.contains("HTTP 500"))
    }

    @Test func aReceiverDownForTheWholeRunGetsEverythingAfterARestart() async throws {
        let scratch = try Workspace()
        // A port nothing listens on while campaignd runs, where the receiver listens afterwards.
        let port = try SIPpCallee.freeTCPPortBelowEphemeralRange()
        let callee = try await SIPpCallee(scenario: "uas-mixed.xml", calls: 3, in: scratch.path)
        let directory = try workspace(callee: callee, receiverPort: port)
        let started = Date()
        let first = try await directory.campaignd("run", "--once")
        #expect(first.exitCode == 0, "\(first.stdout)\n\(first.stderr.suffix(2000))")
        // Dialing was not held up: the calls and the 10 s wait for webhooks, not the webhook timeouts × tries.
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(first.stderr.contains("webhooks not delivered yet"))
        let status = try await directory.campaignd("status", "--json")
        let campaigns = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])["campaigns"] as? [[String: Any]]
        let webhooks = try #require(campaigns?.first?["webhooks"] as? [String: Any])
        #expect(webhooks["waiting"] as? Int == 5)
        #expect((webhooks["lastError"] as? String)?.contains("cannot connect") == true)

        let receiver = try await WebhookReceiver(in: scratch.path, secret: Self.secret, port: port)
        let second = try await directory.campaignd("run", "--once")
        #expect(second.exitCode == 0, "\(second.stdout)\n\(second.stderr.suffix(2000))")
        let requests = receiver.requests
        #expect(requests.count == 5)
        #expect(requests.allSatisfy { $0["signatureValid"] as? Bool == true })
        #expect(requests.allSatisfy { $0["signatureHeader"] as? String == "X-Campaignd-Signature" })
        let byTarget = delivered(receiver)
        #expect(events(byTarget["+15557770001"]) == ["answered", "completed"])
        #expect(events(byTarget["+15557770006"]) == ["failed"])
        let after = try await directory.campaignd("status", "--json")
        #expect(after.stdout.contains("\"webhooks\":{\"waiting\":0,\"failed\":0"))
    }
}
