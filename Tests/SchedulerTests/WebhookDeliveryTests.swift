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

    /// Another connection that takes the queue's write lock when told (as an operator's `sqlite3`
    /// shell in `BEGIN IMMEDIATE` would) and lets go when told.
    // @unchecked Sendable: `lock` guards `connection`, used by one caller at a time.
    final class LockHolder: @unchecked Sendable {
        private let lock = NSLock()
        private let connection: SQLiteConnection

        init(path: String) throws { connection = try SQLiteConnection(path: path) }
        func take() throws { try lock.withLock { try connection.execute("BEGIN IMMEDIATE") } }
        func release() throws { try lock.withLock { try connection.execute("ROLLBACK") } }
    }

    @Test func anOutcomeThatCannotBeRecordedWhileTheQueueIsLockedIsKeptAndNotPostedAgain() async throws {
        let directory = try TestDirectory()
        let store = try QueueStore(dataDirectory: directory.path)
        let (campaignKey, _) = try attempts(1, in: store)
        let loop = try EventLoop(name: "test-webhooks-locked")
        defer { loop.shutdown() }
        let journal = Journal()
        let holder = try LockHolder(path: directory.path + "/campaignd.db")
        // The receiver takes the lock as the first webhook arrives, then answers: its outcome cannot be recorded.
        let receiver = try HTTPServer(bind: SocketAddress(host: "127.0.0.1", port: 0), on: loop) { request, responder in
            if request.target == "/first" { try? holder.take() }
            journal.answer(request.target)
            responder.respond(HTTPResponse(status: 204))
        }
        defer { receiver.close() }
        try store.enqueueNotification(campaignKey: campaignKey, attemptID: nil, event: "completed",
                                      url: "http://127.0.0.1:\(receiver.localAddress.port)/first", body: "{}")
        // Due once the busy timeout (5 s) has run out, while the queue is still locked.
        try store.enqueueNotification(campaignKey: campaignKey, attemptID: nil, event: "completed",
                                      url: "http://127.0.0.1:\(receiver.localAddress.port)/second", body: "{}", now: Timestamp.nowMs() + 5500)
        let deliverer = WebhookDeliverer(dataDirectory: directory.path, settings: .init(connectTimeoutSec: 1, readTimeoutSec: 2),
                                         loop: loop, onEvent: journal.add)
        deliverer.start()
        defer { deliverer.stop() }
        #expect(await journal.wait(timeout: .seconds(10)) { !$0.answeredRequests.isEmpty })

        // Once the busy timeout runs out the deliverer says so, keeps the outcome and posts nothing new.
        let lockedEvent = await journal.wait(timeout: .seconds(15)) { journal in
            journal.events.contains { if case .outboxLocked(_, _, 1) = $0.event { true } else { false } }
        }
        #expect(lockedEvent, "\(journal.events.map(\.event))")
        // Several tries of the backoff (100, 200, 400 ms …) go by, and the second webhook falls due;
        // neither is posted meanwhile.
        _ = await journal.wait(timeout: .seconds(2)) { $0.answeredRequests.count > 1 }
        #expect(journal.answeredRequests.map(\.target) == ["/first"])
        #expect(!journal.events.contains { if case .storeError = $0.event { true } else { false } })

        try holder.release()
        #expect(await journal.wait(timeout: .seconds(10)) { $0.answeredRequests.count >= 2 })
        #expect(await journal.wait(timeout: .seconds(10)) { _ in deliverer.pending == 0 })
        // The first webhook went once, recorded as delivered after the lock; the second after it.
        #expect(journal.answeredRequests.map(\.target) == ["/first", "/second"])
        let delivered = journal.events.compactMap { if case .delivered(_, let url, _, _) = $0.event { url } else { nil } }
        #expect(delivered.map { $0.hasSuffix("/first") } == [true, false])
        #expect(journal.events.contains { if case .outboxUnlocked = $0.event { true } else { false } })
        #expect(try store.pendingNotificationCount() == 0)
        #expect(try store.connection.scalarText("SELECT COUNT(*) FROM notification_outbox WHERE tries = 1 AND delivered_at IS NOT NULL") == "2")
        await deliverer.shutdown()
    }

    /// A TCP port on 127.0.0.1 held bound but not listening: connecting to it is refused (a receiver
    /// that is down) and nothing else can take it until `release()`, when the receiver opens there.
    final class DownPort {
        let port: Int
        private var fd: Int32

        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
            self.fd = fd
            port = Int(UInt16(bigEndian: address.sin_port))
            try #require(fd >= 0 && bound == 0 && port != 0)
        }

        func release() {
            if fd >= 0 { close(fd) }
            fd = -1
        }

        deinit { release() }
    }

    /// A campaign with one contact per call and an attempt claimed for each, for webhooks of those calls.
    func attempts(_ count: Int, in store: QueueStore) throws -> (campaignKey: Int64, attemptIDs: [Int64]) {
        _ = try store.importCampaign(CampaignSpec(
            id: "hooks", sourceFile: "/tmp/hooks.csv", settings: CampaignSettings(),
            contacts: (1...count).map { ContactSpec(target: "+1555123000\($0)", line: $0 + 1) }, duplicateCount: 0, contentHash: "hooks"))
        let campaign = try #require(try store.activeCampaigns().first)
        let attemptIDs = try (1...count).map { _ in try #require(try store.claimNext(campaign)).attemptID }
        return (campaign.key, attemptIDs)
    }

    /// Milliseconds since the epoch on a manual clock, for the deliverer's `now`.
    static func epochMs(_ clock: ManualClock, from start: Int64) -> Int64 {
        let offset = clock.now.offset.components
        return start + offset.seconds * 1000 + offset.attoseconds / 1_000_000_000_000_000
    }

    @Test func aReceiverDownForTwoHoursGetsEveryWebhookInOrderWhenItIsBack() async throws {
        let directory = try TestDirectory()
        let store = try QueueStore(dataDirectory: directory.path)
        let (campaignKey, attemptIDs) = try attempts(2, in: store)
        let loop = try EventLoop(name: "test-webhooks-down")
        defer { loop.shutdown() }
        let journal = Journal()
        let clock = ManualClock()
        let start: Int64 = 1_795_290_000_000
        let now: @Sendable () -> Int64 = { Self.epochMs(clock, from: start) }
        let down = try DownPort()

        // Call A has three events, call B two, enqueued as the calls went.
        let calls = [("A", attemptIDs[0], ["answered", "machine", "completed"]), ("B", attemptIDs[1], ["answered", "completed"])]
        for index in 0..<3 {
            for (name, attemptID, events) in calls where index < events.count {
                try store.enqueueNotification(campaignKey: campaignKey, attemptID: attemptID, event: events[index],
                                              url: "http://127.0.0.1:\(down.port)/\(name)/\(index)", body: "{}", now: now())
            }
        }
        let deliverer = WebhookDeliverer(dataDirectory: directory.path, settings: .init(connectTimeoutSec: 1, readTimeoutSec: 2),
                                         loop: loop, now: now, onEvent: journal.add)
        deliverer.start()
        defer { deliverer.stop() }

        // Two hours down: each call's first event fails, again and again, at the times the deliverer
        // asks for (the clock goes straight there); the events behind it wait their turn.
        var seen = 0
        var nextTry: Int64 = 0
        while true {
            try #require(await journal.wait(timeout: .seconds(10)) { $0.failures.count >= seen + 2 }, "tries at \(now() - start) ms")
            let failures = journal.failures
            #expect(failures.count == seen + 2)
            seen = failures.count
            nextTry = try #require(failures.suffix(2).compactMap(\.retryAt).max(), "given up at \(now() - start) ms")
            #expect(nextTry > now() && nextTry <= now() + 60_000)
            // Every try up to now has failed (and none is in flight) when the receiver comes back.
            if now() >= start + 2 * 3_600_000 { break }
            clock.advance(by: .milliseconds(nextTry - now()))
            deliverer.poke()
        }
        let outage = journal.events.compactMap { entry -> String? in
            if case .failed(let event, _, let error, _, _) = entry.event, error.hasPrefix("cannot connect") { return event }
            return nil
        }
        // 1, 2, 4 … 32 s then once a minute: over a hundred tries of each call's first event, nothing else.
        #expect(outage.count == journal.failures.count && outage.count > 2 * 120)
        #expect(Set(outage) == ["answered"])
        #expect(journal.failures.allSatisfy { $0.retryAt != nil })

        // The receiver comes back on its port.
        down.release()
        let receiver = try HTTPServer(bind: SocketAddress(host: "127.0.0.1", port: down.port), on: loop) { request, responder in
            journal.answer(request.target)
            responder.respond(HTTPResponse(status: 204))
        }
        defer { receiver.close() }
        clock.advance(by: .milliseconds(nextTry - now()))
        deliverer.poke()

        #expect(await journal.wait(timeout: .seconds(20)) { $0.answeredRequests.count == 5 })
        let targets = journal.answeredRequests.map(\.target)
        #expect(targets.filter { $0.hasPrefix("/A/") } == ["/A/0", "/A/1", "/A/2"])
        #expect(targets.filter { $0.hasPrefix("/B/") } == ["/B/0", "/B/1"])
        #expect(await deliverer.drain(timeout: .seconds(5)))
        let backlog = try store.notificationBacklog()["hooks"] ?? NotificationBacklog()
        #expect(backlog.pending == 0 && backlog.failed == 0)
        await deliverer.shutdown()
    }

    @Test func aWebhookIsGivenUpRetryForSecAfterItWasEnqueued() async throws {
        let directory = try TestDirectory()
        let store = try QueueStore(dataDirectory: directory.path)
        let (campaignKey, attemptIDs) = try attempts(1, in: store)
        let loop = try EventLoop(name: "test-webhooks-give-up")
        defer { loop.shutdown() }
        let journal = Journal()
        let clock = ManualClock()
        let start: Int64 = 1_795_290_000_000
        let now: @Sendable () -> Int64 = { Self.epochMs(clock, from: start) }
        let down = try DownPort()
        for (index, event) in ["answered", "completed"].enumerated() {
            try store.enqueueNotification(campaignKey: campaignKey, attemptID: attemptIDs[0], event: event,
                                          url: "http://127.0.0.1:\(down.port)/\(index)", body: "{}", now: now())
        }
        let deliverer = WebhookDeliverer(dataDirectory: directory.path,
                                         settings: .init(connectTimeoutSec: 1, readTimeoutSec: 2, retryForSec: 600),
                                         loop: loop, now: now, onEvent: journal.add)
        deliverer.start()
        defer { deliverer.stop() }

        // Retried until ten minutes after enqueueing, never later, then given up.
        var seen = 0
        var gaveUpAt: Int64?
        while gaveUpAt == nil {
            try #require(await journal.wait(timeout: .seconds(10)) { $0.failures.count > seen }, "tries at \(now() - start) ms")
            let failure = journal.failures[seen]
            seen += 1
            guard let next = failure.retryAt else {
                gaveUpAt = now()
                break
            }
            #expect(next <= start + 600_000)
            clock.advance(by: .milliseconds(next - now()))
            deliverer.poke()
        }
        #expect(gaveUpAt == start + 600_000)
        // The call's next event, as old, gets its one try when its turn comes and is given up too.
        #expect(await journal.wait(timeout: .seconds(10)) { $0.failures.count == seen + 1 })
        let last = try #require(journal.events.last?.event)
        guard case .failed(let event, _, _, let tries, let retryAt) = last else {
            Issue.record("expected a failure, got \(last)")
            return
        }
        #expect(event == "completed" && tries == 1 && retryAt == nil)
        #expect(deliverer.pending == 0)
        let backlog = try #require(try store.notificationBacklog()["hooks"])
        #expect(backlog.pending == 0 && backlog.failed == 2)
        await deliverer.shutdown()
    }
}
