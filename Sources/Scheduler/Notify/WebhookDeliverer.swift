import Foundation
import IO
import Telephony

/// Posts the webhook outbox: its own thread reads due notifications on its own SQLite connection
/// and hands each post to `HTTPClient` on an event loop (no thread blocks on a socket: the loop
/// waits for every post at once, each bounded by the connect and read timeouts), then records each
/// result. A call's events go out in order, one at a time; different calls and endpoints do not wait
/// for each other, and at most `maxInFlightPerEndpoint` posts go to one endpoint at once, so a dead or
/// silent endpoint only delays its own webhooks.
public final class WebhookDeliverer: @unchecked Sendable {
    // @unchecked Sendable: `lock` guards `https`, `inFlight`, `inFlightPerEndpoint`, `results`, `pendingCount`,
    // `stopped`, `runEnded` and `stopWaiters`; `client` is set and used only by the deliverer thread
    // (its completions run on the loop and touch only what `lock` guards).
    public struct Settings: Sendable {
        public var signingSecret: String?
        public var connectTimeoutSec: Double
        public var readTimeoutSec: Double
        /// How long after it was enqueued a failing webhook is still tried (`WebhookRetryPolicy`).
        public var retryForSec: Int
        /// An extra cap on retries after the first try; nil: only `retryForSec` decides.
        public var maxRetryNo: Int?
        /// Posts in flight at once, all endpoints together.
        public var concurrency: Int
        /// Posts in flight at once to one endpoint (host and port).
        public var maxInFlightPerEndpoint: Int

        public init(signingSecret: String? = nil, connectTimeoutSec: Double = 5, readTimeoutSec: Double = 10, retryForSec: Int = 86_400,
                    maxRetryNo: Int? = nil, concurrency: Int = 16, maxInFlightPerEndpoint: Int = 4) {
            self.signingSecret = signingSecret
            self.connectTimeoutSec = connectTimeoutSec
            self.readTimeoutSec = readTimeoutSec
            self.retryForSec = retryForSec
            self.maxRetryNo = maxRetryNo
            self.concurrency = max(1, concurrency)
            self.maxInFlightPerEndpoint = max(1, maxInFlightPerEndpoint)
        }

        public var retryPolicy: WebhookRetryPolicy { WebhookRetryPolicy(retryForSec: retryForSec, maxRetryNo: maxRetryNo) }
    }

    public enum Event: Sendable {
        case delivered(event: String, url: String, status: Int, tries: Int)
        /// `retryAt` nil: given up (`retryForSec` after it was enqueued, `maxRetryNo` if set, or a URL
        /// that cannot be posted to).
        case failed(event: String, url: String, error: String, tries: Int, retryAt: Int64?)
        case storeError(String)
        /// Another process holds the queue locked: `results` posts' outcomes are kept in memory (those
        /// webhooks are not posted again) and no new webhook is posted until they are recorded. Told
        /// when the lock is found, then every `LockedDatabaseBackoff.warnInterval` while it lasts.
        case outboxLocked(file: String, lockedFor: Duration, results: Int)
        /// The lock is gone: the outcomes kept meanwhile are recorded.
        case outboxUnlocked(file: String, lockedFor: Duration)
    }

    private struct Result {
        var notification: OutboxNotification
        var outcome: Swift.Result<Int, HTTPClientError>
    }

    private let dataDirectory: String
    private let settings: Settings
    private let onEvent: @Sendable (Event) -> Void
    /// Milliseconds since the epoch: what is due, when to retry and when to give up are decided by it.
    private let now: @Sendable () -> Int64
    /// The loop posts run on; nil: the deliverer starts one of its own (and stops it at the end).
    private let loop: EventLoop?
    private var client: HTTPClient?
    /// Made on the first `https://` webhook (under `lock`).
    private var https: HTTPSPoster?
    private let lock = NSLock()
    private var inFlight: [Int64: Int64] = [:]  // notification id → attempt id (or -id)
    private var inFlightPerEndpoint: [String: Int] = [:]
    private var results: [Result] = []
    private var stopped = false
    private var runEnded = false
    private var stopWaiters: [CheckedContinuation<Void, Never>] = []
    private var pendingCount = 0
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    /// - Parameter loop: the event loop that carries the posts (one of the daemon's); without one,
    ///   the deliverer runs a loop of its own.
    /// - Parameter now: the time in milliseconds since the epoch (tests pass a manual one to simulate
    ///   hours of a receiver being down without waiting for them).
    public init(dataDirectory: String, settings: Settings, loop: EventLoop? = nil,
                now: @escaping @Sendable () -> Int64 = { Timestamp.nowMs() }, onEvent: @escaping @Sendable (Event) -> Void) {
        self.dataDirectory = dataDirectory
        self.settings = settings
        self.loop = loop
        self.now = now
        self.onEvent = onEvent
    }

    /// Starts the deliverer thread.
    public func start() {
        let thread = Thread { [self] in run() }
        thread.name = "campaignd-webhooks"
        thread.start()
    }

    /// Asks the thread to look at the outbox now (something was enqueued).
    public func poke() {
        wake.signal()
    }

    /// Stops after the posts in flight have finished (each is bounded by its timeouts). Blocks the
    /// caller until then: from async code, use `shutdown()`.
    public func stop() {
        lock.withLock { stopped = true }
        wake.signal()
        finished.wait()
    }

    /// Stops after the posts in flight have finished, suspending the caller instead of blocking its
    /// thread (for async callers such as `run`).
    public func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ended = lock.withLock { () -> Bool in
                stopped = true
                if runEnded { return true }
                stopWaiters.append(continuation)
                return false
            }
            if ended { continuation.resume() }
            wake.signal()
        }
    }

    /// Webhooks still to try, as of the last look at the outbox.
    public var pending: Int { lock.withLock { pendingCount + inFlight.count } }

    /// Waits until nothing is left to try now or `timeout` passes; true if the outbox is empty.
    public func drain(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        poke()
        try? await Task.sleep(for: .milliseconds(100))
        while ContinuousClock.now < deadline {
            if pending == 0 { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return pending == 0
    }

    private func run() {
        defer {
            let waiters = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
                runEnded = true
                defer { stopWaiters.removeAll() }
                return stopWaiters
            }
            for waiter in waiters { waiter.resume() }
            finished.signal()
        }
        let store: QueueStore
        do {
            store = try QueueStore(dataDirectory: dataDirectory)
        } catch {
            onEvent(.storeError("cannot open the outbox: \(error)"))
            return
        }
        let ownLoop: EventLoop?
        do {
            ownLoop = loop == nil ? try EventLoop(name: "campaignd-webhooks") : nil
        } catch {
            onEvent(.storeError("cannot start the webhook event loop: \(error)"))
            return
        }
        defer {
            ownLoop?.shutdown()
            lock.withLock { https }?.invalidate()
        }
        guard let postLoop = loop ?? ownLoop else { preconditionFailure("one of the two loops exists") }
        client = HTTPClient(loop: postLoop)
        var settingsCache: [Int64: CampaignSettings] = [:]
        // Outcomes of posts not yet recorded because the queue was locked, in order: while any is
        // kept, its webhook is not posted again and no new webhook goes out.
        var unrecorded: [Result] = []
        var locked = LockedDatabaseBackoff<ContinuousClock>()
        var nextTry: ContinuousClock.Instant?
        let clock = ContinuousClock()
        while true {
            let (done, stopping, inFlightAttempts) = lock.withLock { () -> ([Result], Bool, Set<Int64>) in
                let done = results
                results.removeAll()
                return (done, stopped, Set(inFlight.values))
            }
            unrecorded += done
            if !unrecorded.isEmpty, stopping || nextTry.map({ clock.now >= $0 }) ?? true {
                // Stopping: one last try with the full busy timeout; what is still kept then goes out
                // again at the next start (the outbox still has it as undelivered).
                if stopping, locked.isLocked { try? store.setBusyTimeout(SQLiteConnection.busyTimeout) }
                let started = clock.now
                let now = self.now()
                while let result = unrecorded.first, record(result, in: store, now: now) { unrecorded.removeFirst() }
                if unrecorded.isEmpty {
                    nextTry = nil
                    if let lockedFor = locked.trySucceeded(now: clock.now) {
                        try? store.setBusyTimeout(SQLiteConnection.busyTimeout)
                        onEvent(.outboxUnlocked(file: store.path, lockedFor: lockedFor))
                    }
                } else {
                    let retry = locked.tryFailed(startedAt: started, now: clock.now)
                    try? store.setBusyTimeout(locked.nextTryTimeout(busyTimeout: SQLiteConnection.busyTimeout))
                    nextTry = clock.now.advanced(by: retry.after)
                    if retry.warn { onEvent(.outboxLocked(file: store.path, lockedFor: retry.lockedFor, results: unrecorded.count)) }
                }
            }
            if stopping {
                if lock.withLock({ inFlight.isEmpty }) {
                    if !unrecorded.isEmpty {
                        onEvent(.storeError("\(unrecorded.count) webhook outcomes not recorded (the queue is locked); "
                            + "those webhooks are posted again at the next start"))
                    }
                    return
                }
                _ = wake.wait(timeout: .now() + .milliseconds(50))
                continue
            }
            if !unrecorded.isEmpty {
                _ = wake.wait(timeout: .now() + .milliseconds(200))
                continue
            }
            let busy = inFlightAttempts
            let now = self.now()
            do {
                let room = settings.concurrency - busy.count
                // Read past the room: what is due for an endpoint at its cap is left for later, and
                // what follows it (for other endpoints) goes now.
                let due = room > 0 ? try store.dueNotifications(now: now, busy: busy, limit: room + 4 * settings.concurrency) : []
                var posted = 0
                for notification in due where posted < room {
                    let endpoint = Self.endpointKey(notification.url)
                    // The store skips busy attempts; a notification without an attempt is skipped here by its
                    // id. Both by the snapshot taken with `done`: a post that ended since is in `results`,
                    // not yet recorded, and must not go again.
                    guard !busy.contains(notification.attemptID ?? -notification.id),
                          lock.withLock({ inFlightPerEndpoint[endpoint, default: 0] }) < settings.maxInFlightPerEndpoint
                    else { continue }
                    if settingsCache[notification.campaignKey] == nil {
                        settingsCache[notification.campaignKey] = try store.campaignSettings(key: notification.campaignKey)
                    }
                    post(notification, endpoint: endpoint, settings: settingsCache[notification.campaignKey])
                    posted += 1
                }
                let waiting = try store.pendingNotificationCount()
                lock.withLock { pendingCount = max(0, waiting - inFlight.count) }
            } catch {
                onEvent(.storeError("\(error)"))
            }
            _ = wake.wait(timeout: .now() + .milliseconds(200))
        }
    }

    /// The headers of one webhook: content type, the campaign's `notifyHeaders`, Basic auth, signature.
    /// A notification with headers of its own (a drop-in endpoint's call) gets those instead of the
    /// campaign's, and its signature under its own header name.
    static func headers(body: String, event: String, campaign: CampaignSettings?, secret: String?, now: Int64,
                        own: [HeaderField]? = nil, signatureHeader: String? = nil) -> [(String, String)] {
        var headers = [("Content-Type", "application/json"), ("User-Agent", "campaignd")]
        // A gateway-shaped notification carries only what that gateway sends (and the signature).
        if own == nil { headers.append(("X-Campaignd-Event", event)) }
        if let own {
            for header in own {
                if let index = headers.firstIndex(where: { $0.0.lowercased() == header.name.lowercased() }) {
                    headers[index] = (header.name, header.value)
                } else {
                    headers.append((header.name, header.value))
                }
            }
        } else {
            for header in campaign?.notifyHeaders ?? [] { headers.append((header.name, header.value)) }
            if let basic = campaign.flatMap(NotificationPlanner.basicAuthorization) { headers.append((basic.name, basic.value)) }
        }
        if let secret, !secret.isEmpty {
            let stamp = String(now / 1000)
            headers.append((signatureHeader ?? "X-Campaignd-Signature",
                            "t=\(stamp),v1=" + HMACSHA256.hexCode(key: secret, message: stamp + "." + body)))
        }
        return headers
    }

    /// Where a URL posts to, for the per-endpoint cap: "host:port" (the URL itself when unparsable).
    static func endpointKey(_ url: String) -> String {
        (try? HTTPEndpoint(url: url))?.authority ?? url
    }

    private func post(_ notification: OutboxNotification, endpoint: String, settings campaign: CampaignSettings?) {
        if let url = URL(string: notification.url), url.scheme?.lowercased() == "https", !(url.host ?? "").isEmpty {
            postHTTPS(notification, url: url, endpoint: endpoint, settings: campaign)
            return
        }
        let target: HTTPEndpoint
        do {
            target = try HTTPEndpoint(url: notification.url)
        } catch {
            lock.withLock { results.append(Result(notification: notification, outcome: .failure(error))) }
            wake.signal()
            return
        }
        guard let client else { preconditionFailure("posts are made by the deliverer thread, after it made the client") }
        lock.withLock {
            inFlight[notification.id] = notification.attemptID ?? -notification.id
            inFlightPerEndpoint[endpoint, default: 0] += 1
        }
        let headers = Self.headers(body: notification.body, event: notification.event, campaign: campaign,
                                   secret: settings.signingSecret, now: now(), own: notification.headers,
                                   signatureHeader: notification.signatureHeader)
        var request = HTTPRequest(method: .post, target: target.target, headers: HTTPHeaders(headers), body: Array(notification.body.utf8))
        request.headers.set("Host", target.authority)
        let timeouts = HTTPClient.Timeouts(connect: .milliseconds(Int64(settings.connectTimeoutSec * 1000)),
                                           read: .milliseconds(Int64(settings.readTimeoutSec * 1000)))
        // The completion runs on the loop: it only records the outcome and wakes the deliverer thread.
        client.send(request, host: target.host, port: target.port, timeouts: timeouts) { [self] outcome in
            lock.withLock {
                inFlight[notification.id] = nil
                inFlightPerEndpoint[endpoint, default: 1] -= 1
                if inFlightPerEndpoint[endpoint] == 0 { inFlightPerEndpoint[endpoint] = nil }
                results.append(Result(notification: notification, outcome: outcome.map(\.status)))
            }
            wake.signal()
        }
    }

    /// An `https://` webhook goes through `HTTPSPoster` (URLSession); the outcome is recorded as a plain one's.
    private func postHTTPS(_ notification: OutboxNotification, url: URL, endpoint: String, settings campaign: CampaignSettings?) {
        let poster = lock.withLock { () -> HTTPSPoster in
            if let https { return https }
            let made = HTTPSPoster(connectTimeoutSec: settings.connectTimeoutSec, readTimeoutSec: settings.readTimeoutSec,
                                   maxConnectionsPerHost: settings.maxInFlightPerEndpoint)
            https = made
            return made
        }
        lock.withLock {
            inFlight[notification.id] = notification.attemptID ?? -notification.id
            inFlightPerEndpoint[endpoint, default: 0] += 1
        }
        let headers = Self.headers(body: notification.body, event: notification.event, campaign: campaign,
                                   secret: settings.signingSecret, now: now(), own: notification.headers,
                                   signatureHeader: notification.signatureHeader)
        // The completion runs on URLSession's queue: it only records the outcome and wakes the deliverer thread.
        poster.post(url, headers: headers, body: Array(notification.body.utf8)) { [self] outcome in
            lock.withLock {
                inFlight[notification.id] = nil
                inFlightPerEndpoint[endpoint, default: 1] -= 1
                if inFlightPerEndpoint[endpoint] == 0 { inFlightPerEndpoint[endpoint] = nil }
                results.append(Result(notification: notification, outcome: outcome))
            }
            wake.signal()
        }
    }

    /// Records a post's outcome; false if the queue was locked (nothing recorded: the caller keeps
    /// the result and tries again).
    private func record(_ result: Result, in store: QueueStore, now: Int64) -> Bool {
        let notification = result.notification
        let tries = notification.tries + 1
        let url = Self.redacted(notification.url)
        do {
            switch result.outcome {
            case .success(let status) where (200..<300).contains(status):
                try store.markNotificationDelivered(id: notification.id, at: now)
                onEvent(.delivered(event: notification.event, url: url, status: status, tries: tries))
            case .success(let status):
                try fail(notification, "HTTP \(status)", tries: tries, url: url, store: store, now: now)
            case .failure(let error):
                // A URL this client cannot post to will not get better by waiting: give up at once.
                try fail(notification, "\(error)", tries: tries, url: url, store: store, now: now, giveUp: error.isPermanent)
            }
        } catch where StoreError.isDatabaseLocked(error) {
            return false
        } catch {
            onEvent(.storeError("\(error)"))
        }
        return true
    }

    private func fail(_ notification: OutboxNotification, _ error: String, tries: Int, url: String, store: QueueStore, now: Int64,
                      giveUp: Bool = false) throws {
        let retryAt = settings.retryPolicy.retryAt(tries: tries, enqueuedAt: notification.createdAt, now: now, permanent: giveUp)
        try store.markNotificationFailed(id: notification.id, error: error, retryAt: retryAt)
        onEvent(.failed(event: notification.event, url: url, error: error, tries: tries, retryAt: retryAt))
    }

    /// `url` without user information or query (which may carry credentials), for logs.
    static func redacted(_ url: String) -> String {
        guard var parts = URLComponents(string: url) else { return "(unparsable URL)" }
        parts.user = nil
        parts.password = nil
        parts.query = nil
        parts.fragment = nil
        return parts.string ?? "(unparsable URL)"
    }
}
