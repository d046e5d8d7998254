import Foundation
import IO
import Testing
@testable import Scheduler

/// The deliverer against real sockets on 127.0.0.1: a receiver that accepts and never answers, and
/// one that answers (IO's HTTPServer).
@Suite struct WebhookDeliveryTests {
    /// What the deliverer and the receivers report, with when (seconds since `start`).
    final class Journal: @unchecked Sendable {
        // @unchecked Sendable: `lock` guards every field.
        private let lock = NSLock()
        private let start = ContinuousClock.now
        private var eventList: [(at: Duration, event: WebhookDeliverer.Event)] = []
        private var answered: [(at: Duration, target: String)] = []
        private var silentOpen = 0
        private var silentMaxOpen = 0

        var events: [(at: Duration, event: WebhookDeliverer.Event)] { lock.withLock { eventList } }
        var answeredRequests: [(at: Duration, target: String)] { lock.withLock { answered } }
        var maxSilentConnections: Int { lock.withLock { silentMaxOpen } }

        func add(_ event: WebhookDeliverer.Event) { lock.withLock { eventList.append((ContinuousClock.now - start, event)) } }
        func answer(_ target: String) { lock.withLock { answered.append((ContinuousClock.now - start, target)) } }
        func silentOpened() {
            lock.withLock {
                silentOpen += 1
                silentMaxOpen = max(silentMaxOpen, silentOpen)
            }
        }
        func silentClosed() { lock.withLock { silentOpen -= 1 } }

        var failures: [(at: Duration, error: String, retryAt: Int64?)] {
            events.compactMap { entry in
                if case .failed(_, _, let error, _, let retryAt) = entry.event { return (entry.at, error, retryAt) }
                return nil
            }
        }

        func wait(timeout: Duration, until condition: (Journal) -> Bool) async -> Bool {
            let deadline = ContinuousClock.now.advanced(by: timeout)
            while ContinuousClock.now < deadline {
                if condition(self) { return true }
                try? await Task.sleep(for: .milliseconds(10))
            }
            return condition(self)
        }
    }

    @Test func aSilentEndpointFailsByTheReadTimeoutAndDoesNotHoldUpAnotherEndpoint() async throws {
        let directory = try TestDirectory()
        let store = try QueueStore(dataDirectory: directory.path)
        _ = try store.importCampaign(CampaignSpec(
            id: "hooks", sourceFile: "/tmp/hooks.csv", settings: CampaignSettings(),
            contacts: [ContactSpec(target: "+15551230001", line: 2)], duplicateCount: 0, contentHash: "hooks"))
        let campaignKey = try #require(Int64(try store.connection.scalarText("SELECT key FROM campaigns WHERE id = 'hooks'") ?? ""))

        let loop = try EventLoop(name: "test-webhooks")
        defer { loop.shutdown() }
        let journal = Journal()
        let silent = try TCPListener(bind: SocketAddress(host: "127.0.0.1", port: 0), on: loop) { connection in
            journal.silentOpened()
            connection.start(TCPConnection.Handlers(received: { _ in }, closed: { _ in journal.silentClosed() }))
        }
        defer { silent.close() }
        let answering = try HTTPServer(bind: SocketAddress(host: "127.0.0.1", port: 0), on: loop) { request, responder in
            journal.answer(request.target)
            responder.respond(HTTPResponse(status: 204))
        }
        defer { answering.close() }

        // Six webhooks for the silent endpoint first, then one for the answering one.
        for index in 0..<6 {
            try store.enqueueNotification(campaignKey: campaignKey, attemptID: nil, event: "failed",
                                          url: "http://127.0.0.1:\(silent.localAddress.port)/silent/\(index)", body: "{}")
        }
        try store.enqueueNotification(campaignKey: campaignKey, attemptID: nil, event: "completed",
                                      url: "http://127.0.0.1:\(answering.localAddress.port)/answering", body: "{}")

        let deliverer = WebhookDeliverer(dataDirectory: directory.path,
                                         settings: .init(connectTimeoutSec: 1, readTimeoutSec: 1.5, maxRetryNo: 0, maxInFlightPerEndpoint: 4),
                                         loop: loop, onEvent: journal.add)
        deliverer.start()
        // Only for an early exit (a failed #require): the test itself ends with `shutdown()`.
        defer { deliverer.stop() }

        // The answering endpoint gets its webhook before any silent post has timed out (times are
        // taken when things happen, so a test task that runs late does not skew them).
        #expect(await journal.wait(timeout: .seconds(20)) { !$0.answeredRequests.isEmpty })
        let answered = try #require(journal.answeredRequests.first)
        #expect(answered.target == "/answering")

        // Every silent post fails by its read timeout: four at once (the cap), then the other two.
        #expect(await journal.wait(timeout: .seconds(30)) { $0.failures.count == 6 })
        let failures = journal.failures
        #expect(failures.count == 6)
        #expect(failures.allSatisfy { $0.error == "no response within 1.5 s" && $0.retryAt == nil })
        #expect(failures.allSatisfy { $0.at >= .milliseconds(1500) && $0.at > answered.at })
        #expect(failures.filter { $0.at >= .seconds(3) }.count == 2)
        #expect(journal.maxSilentConnections == 4)
        #expect(deliverer.pending == 0)
        let backlog = try #require(try store.notificationBacklog()["hooks"])
        #expect(backlog.pending == 0)
        #expect(backlog.failed == 6)
        await deliverer.shutdown()
    }
}
