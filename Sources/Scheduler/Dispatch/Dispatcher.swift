import Foundation
import Telephony

/// Dials the campaigns in the queue: claims due contacts fairly across active campaigns within the
/// global and per-campaign limits, runs one child task per call through the `Dialer`, and on each
/// call's end finishes the attempt and applies the `RetryPolicy`; `CDRWriter` writes the CDR lines from the queue.
public struct Dispatcher<C: Clock>: Sendable where C.Duration == Duration, C.Instant: Sendable {
    public struct Configuration: Sendable {
        public var globalRate: Double
        public var globalMaxConcurrentCalls: Int
        public var slotExpiry: Duration
        public var trunks: [SIPTrunk]
        public var defaultTimeZone: TimeZone
        /// How often campaign states (pause, resume, cancel) and settings are read again.
        public var refreshInterval: Duration

        public init(globalRate: Double, globalMaxConcurrentCalls: Int, slotExpiry: Duration = .seconds(1200),
                    trunks: [SIPTrunk] = [], defaultTimeZone: TimeZone = .current, refreshInterval: Duration = .seconds(1)) {
            self.globalRate = globalRate
            self.globalMaxConcurrentCalls = globalMaxConcurrentCalls
            self.slotExpiry = slotExpiry
            self.trunks = trunks
            self.defaultTimeZone = defaultTimeZone
            self.refreshInterval = refreshInterval
        }
    }

    public enum Mode: Sendable {
        /// Dial what is due, wait for retries that fall due before `until`, then return; or, if `stop`
        /// is requested first, stop claiming and give live calls `drainTimeout`, as `untilStopped`.
        case once(until: Date?, stop: StopSignal? = nil, drainTimeout: Duration = .seconds(30))
        /// Dial until `stop` is requested; then stop claiming and give live calls `drainTimeout`.
        case untilStopped(StopSignal, drainTimeout: Duration)

        var stop: StopSignal? {
            switch self {
            case .once(_, let stop, _): stop
            case .untilStopped(let stop, _): stop
            }
        }

        var drainTimeout: Duration {
            switch self {
            case .once(_, _, let timeout), .untilStopped(_, let timeout): timeout
            }
        }
    }

    /// What the dispatcher tells whoever runs it (the executable logs it).
    public enum Event: Sendable {
        case dialing(ClaimedAttempt)
        case finished(CDRRecord)
        case deferred(contactID: Int64, until: Date)
        case skippedDNC(contactID: Int64, target: String)
        case slotExpired(attemptID: Int64)
        /// The trunk answered 503 or 429: its rate was halved (or, later, raised back).
        case trunkRateChanged(trunk: String, rate: Double, reason: String)
        /// Every RTP port is in use: calls with media wait for one (told once per stretch).
        case waitingForMediaPorts
        /// Something happened on an answered call: an AMD event, a prompt, a key press.
        case callProgress(ClaimedAttempt, CallEvent)
        case error(String)
    }

    /// What a finished call tells the loop: its slot, and whether its trunk pushed back.
    struct Finished: Sendable {
        var attemptID: Int64
        var trunk: String?
        var sipCode: Int?
    }

    /// Seconds without a 503/429 before a throttled trunk's rate goes up again, and then between steps.
    static var recoveryInterval: Duration { .seconds(10) }

    public let store: QueueWriter
    public let dialer: any Dialer
    public let cdr: CDRWriter
    public let clock: C
    public let configuration: Configuration
    public let onEvent: @Sendable (Event) -> Void

    public init(store: QueueWriter, dialer: any Dialer, cdr: CDRWriter, clock: C, configuration: Configuration,
                onEvent: @escaping @Sendable (Event) -> Void = { _ in }) {
        self.store = store
        self.dialer = dialer
        self.cdr = cdr
        self.clock = clock
        self.configuration = configuration
        self.onEvent = onEvent
    }

    /// Counts of the attempts this run finished, by outcome.
    public struct Summary: Sendable, Equatable {
        public var attempts = 0
        public var byOutcome: [String: Int] = [:]
        public var stillWaiting = 0
        /// Campaigns that made at least one attempt.
        public var campaignsDialed: [String] = []

        public init() {}

        mutating func count(_ record: CDRRecord) {
            attempts += 1
            byOutcome[record.reasonCode, default: 0] += 1
            if !campaignsDialed.contains(record.campaignId) { campaignsDialed.append(record.campaignId) }
        }
    }

    public func run(_ mode: Mode) async throws -> Summary {
        let finished = Mailbox<Finished>()
        // Per-trunk buckets exist only while a trunk is throttled after a 503/429.
        var trunkBuckets: [String: TokenBucket<C>] = [:]
        var trunkChanged: [String: C.Instant] = [:]
        var summary = Summary()
        // Up to 100 ms of tokens may be caught up at once: a loop iteration longer than 1/rate is
        // not an idle stretch, and the rate holds at thousands of calls per second.
        func burst(_ rate: Double) -> Int { max(1, Int(rate / 10)) }
        var globalBucket = TokenBucket<C>(rate: configuration.globalRate, burst: burst(configuration.globalRate))
        var globalGate = ConcurrencyGate<C, Int64>(limit: configuration.globalMaxConcurrentCalls, expiry: configuration.slotExpiry)
        var buckets: [Int64: TokenBucket<C>] = [:]
        var gates: [Int64: ConcurrencyGate<C, Int64>] = [:]
        var cursors: [Int64: Int64] = [:]
        var idleUntil: [Int64: C.Instant] = [:]
        var campaignOfAttempt: [Int64: Int64] = [:]
        var campaigns: [DispatchCampaign] = []
        var nextRefresh = clock.now
        var roundRobin = 0
        var waitingForPorts = false
        let summaryBox = Mailbox<CDRRecord>()

        // Discarding: a finished call's task is freed at once. A plain task group keeps every finished
        // child until it is awaited, which grew a long-running daemon by about 30 KB a call.
        try await withThrowingDiscardingTaskGroup { group in
            mainLoop: while true {
                let now = clock.now
                for done in finished.drain() {
                    globalGate.release(done.attemptID)
                    if let key = campaignOfAttempt.removeValue(forKey: done.attemptID) { gates[key]?.release(done.attemptID) }
                    if let trunk = done.trunk, let code = done.sipCode, code == 503 || code == 429 {
                        // Back-pressure: halve the trunk's rate (multiplicative decrease).
                        let current = trunkBuckets[trunk]?.rate ?? configuration.globalRate
                        let halved = max(current / 2, 0.1)
                        if trunkBuckets[trunk] == nil { trunkBuckets[trunk] = TokenBucket(rate: halved, burst: burst(halved)) } else { trunkBuckets[trunk]?.setRate(halved, now: now) }
                        trunkChanged[trunk] = now
                        onEvent(.trunkRateChanged(trunk: trunk, rate: halved, reason: "SIP \(code) from the trunk"))
                    }
                }
                for (trunk, changed) in trunkChanged where changed.advanced(by: Self.recoveryInterval) <= now {
                    // Additive increase back toward the global rate, one tenth of it per quiet interval.
                    let raised = min((trunkBuckets[trunk]?.rate ?? configuration.globalRate) + configuration.globalRate / 10, configuration.globalRate)
                    if raised >= configuration.globalRate {
                        trunkBuckets[trunk] = nil
                        trunkChanged[trunk] = nil
                    } else {
                        trunkBuckets[trunk]?.setRate(raised, now: now)
                        trunkChanged[trunk] = now
                    }
                    onEvent(.trunkRateChanged(trunk: trunk, rate: raised, reason: "no 503/429 for \(Self.recoveryInterval)"))
                }
                for record in summaryBox.drain() { summary.count(record) }
                for attemptID in globalGate.reclaimExpired(now: now) {
                    if let key = campaignOfAttempt.removeValue(forKey: attemptID) { gates[key]?.release(attemptID) }
                    onEvent(.slotExpired(attemptID: attemptID))
                }
                if mode.stop?.isRequested == true { break mainLoop }
                // The CDR files cannot be written (a full disk): no new call until they can.
                if cdr.isBlocked {
                    try await clock.sleep(for: .milliseconds(20))
                    continue
                }

                if now >= nextRefresh {
                    campaigns = try await store.activeCampaigns()
                    for campaign in campaigns {
                        let rate = campaign.settings.dialoutLimitPerSecond
                        if buckets[campaign.key] == nil {
                            buckets[campaign.key] = TokenBucket(rate: rate, burst: burst(rate))
                        } else if buckets[campaign.key]?.rate != rate {
                            buckets[campaign.key]?.setRate(rate, now: now)
                        }
                        let limit = campaign.settings.maxConcurrentCalls
                        if gates[campaign.key]?.limit != limit {
                            var gate = ConcurrencyGate<C, Int64>(limit: limit, expiry: configuration.slotExpiry)
                            for (attemptID, key) in campaignOfAttempt where key == campaign.key { _ = gate.acquire(attemptID, now: now) }
                            gates[campaign.key] = gate
                        }
                    }
                    idleUntil = idleUntil.filter { _, until in until > now }
                    nextRefresh = now.advanced(by: configuration.refreshInterval)
                }

                // Campaigns that could dial now: room in both gates, an RTP port for calls with media,
                // and not known to be idle.
                let mediaCapacity = dialer.mediaCapacity()
                let ready = globalGate.hasRoom ? campaigns.filter { campaign in
                    (gates[campaign.key]?.hasRoom ?? true) && (idleUntil[campaign.key].map { $0 <= now } ?? true)
                        && (mediaCapacity != 0 || !Self.needsMedia(campaign))
                } : []
                if mediaCapacity == 0, ready.count < campaigns.count, campaigns.contains(where: Self.needsMedia) {
                    if !waitingForPorts { onEvent(.waitingForMediaPorts) }
                    waitingForPorts = true
                } else if mediaCapacity != 0 {
                    waitingForPorts = false
                }
                if ready.isEmpty {
                    if case .once(let until, _, _) = mode, campaignOfAttempt.isEmpty,
                       try await !moreWorkBefore(until, campaigns: campaigns, idle: idleUntil, now: now) {
                        break mainLoop
                    }
                    try await clock.sleep(for: .milliseconds(20))
                    continue
                }
                // Round-robin among the ready campaigns whose tokens are due; else wait for the first due.
                let deadlines = ready.map { campaign in
                    let trunkDeadline = trunk(for: campaign).flatMap { trunkBuckets[$0.name]?.nextDeadline(now: now) } ?? now
                    return (campaign, max(globalBucket.nextDeadline(now: now), buckets[campaign.key]?.nextDeadline(now: now) ?? now, trunkDeadline))
                }
                let due = deadlines.filter { $0.1 <= now }
                guard !due.isEmpty else {
                    let first = deadlines.map(\.1).min() ?? now
                    let wakeAt = min(first, now.advanced(by: .milliseconds(50)))
                    metrics.waitedForTokens(now.duration(to: wakeAt))
                    try await clock.sleep(until: wakeAt, tolerance: nil)
                    continue
                }
                // While several campaigns are ready, each round offers one call to each in turn, the
                // round-robin pointer moving on with every offer; a campaign whose own bucket is not due
                // yet lets its turn pass rather than handing it to another. However late the loop runs,
                // no campaign gets a run of calls in a row. A lone campaign claims up to 64 at once.
                /// Claims up to `limit` calls of `campaign`; how many it claimed.
                func claimChunk(_ campaign: DispatchCampaign, limit: Int) async throws -> Int {
                    // As many calls as are due in every bucket and fit in every gate, claimed in one transaction.
                    let campaignTrunk = trunk(for: campaign)
                    var room = min(limit, buckets[campaign.key]?.availableTokens(now: now) ?? 1, 64)
                    if let campaignTrunk, let bucket = trunkBuckets[campaignTrunk.name] { room = min(room, bucket.availableTokens(now: now)) }
                    if globalGate.limit > 0 { room = min(room, globalGate.limit - globalGate.inUse) }
                    if let gate = gates[campaign.key], gate.limit > 0 { room = min(room, gate.limit - gate.inUse) }
                    if Self.needsMedia(campaign), let mediaCapacity { room = min(room, mediaCapacity) }
                    if room <= 0 { return 0 }
                    let window = CallingWindow(campaign.settings.window)
                    let fallbackZone = (campaign.settings.window.timezone ?? campaign.settings.timezone).flatMap(TimeZone.init(identifier:))
                        ?? configuration.defaultTimeZone
                    let windowZone = campaign.settings.window.timezone.flatMap(TimeZone.init(identifier:))
                    let date = Date()
                    let batch = try await store.claimBatch(
                        campaign: campaign, trunk: campaignTrunk?.name, now: Timestamp.nowMs(), after: cursors[campaign.key] ?? 0,
                        limit: room
                    ) { contactZone in
                        // The window is evaluated in the contact's own zone unless the campaign fixes one.
                        let zone = windowZone ?? contactZone.flatMap(TimeZone.init(identifier:)) ?? fallbackZone
                        guard !window.isOpen(at: date, in: zone) else { return nil }
                        let opening = window.nextOpening(after: date, in: zone) ?? date.addingTimeInterval(86_400)
                        return Int64(opening.timeIntervalSince1970 * 1000)
                    }
                    cursors[campaign.key] = batch.cursor
                    for (contactID, until) in batch.deferred {
                        onEvent(.deferred(contactID: contactID, until: Date(timeIntervalSince1970: Double(until) / 1000)))
                    }
                    for (contactID, target) in batch.skippedDNC { onEvent(.skippedDNC(contactID: contactID, target: target)) }
                    if batch.exhausted, batch.claimed.isEmpty {
                        idleUntil[campaign.key] = now.advanced(by: configuration.refreshInterval)
                    }
                    for claimed in batch.claimed {
                        globalBucket.take(now: now)
                        buckets[campaign.key]?.take(now: now)
                        if let campaignTrunk { trunkBuckets[campaignTrunk.name]?.take(now: now) }
                        _ = globalGate.acquire(claimed.attemptID, now: now)
                        _ = gates[campaign.key]?.acquire(claimed.attemptID, now: now)
                        campaignOfAttempt[claimed.attemptID] = campaign.key
                        onEvent(.dialing(claimed))
                        let request = callRequest(for: claimed, campaign: campaign, trunk: campaignTrunk)
                        group.addTask {
                            let sipCode = await self.work(claimed, request: request, settings: campaign.settings, summary: summaryBox)
                            finished.post(Finished(attemptID: claimed.attemptID, trunk: campaignTrunk?.name, sipCode: sipCode))
                        }
                    }
                    return batch.claimed.count
                }
                let globalTokens = max(globalBucket.availableTokens(now: now), 1)
                if ready.count == 1 {
                    _ = try await claimChunk(ready[0], limit: globalTokens)
                } else {
                    let offers = min(globalTokens, ready.count)
                    let first = roundRobin % ready.count
                    roundRobin += offers
                    for step in 0..<offers {
                        _ = try await claimChunk(ready[(first + step) % ready.count], limit: 1)
                    }
                }
            }

            // Stopping: no new claims. Live calls get the drain time, then are hung up.
            if mode.stop?.isRequested == true, !campaignOfAttempt.isEmpty {
                let deadline = clock.now.advanced(by: mode.drainTimeout)
                while !campaignOfAttempt.isEmpty, clock.now < deadline {
                    for done in finished.drain() { campaignOfAttempt[done.attemptID] = nil }
                    try await clock.sleep(for: .milliseconds(20))
                }
                for callID in activeCalls.snapshot() { await dialer.hangUp(sipCallID: callID) }
            }
            // The group waits for the calls still running before it returns.
        }
        for record in summaryBox.drain() { summary.count(record) }
        summary.stillWaiting = try await store.waitingContacts()
        return summary
    }

    /// Calls in progress (SIP Call-ID → attempt), for hanging up on shutdown.
    private let activeCalls = CallRegistry()
    private let prompts = PromptCache()
    /// For the metrics endpoint.
    public let metrics = DispatchMetrics()

    /// Places one call and records it; returns its final SIP code.
    private func work(_ claimed: ClaimedAttempt, request: CallRequest, settings: CampaignSettings, summary: Mailbox<CDRRecord>) async -> Int? {
        let policy = RetryPolicy(settings)
        var result: CallResult?
        var callID: String?
        var connectTime: Int64?
        var amdSummary = AMDSummary()
        /// Webhooks for events during the call, enqueued in order through the writer.
        let notifyURL = claimed.notifyUrl ?? settings.notifyUrl
        func notify(_ event: String, amd: AMDEvent? = nil) async {
            guard let url = notifyURL else { return }
            do {
                try await store.enqueueCallEvent(claimed, event: event, url: url, connectTime: connectTime,
                                                 verdict: amdSummary.verdict, beepDetected: amdSummary.beepDetected, amd: amd)
            } catch {
                onEvent(.error("cannot enqueue the \(event) webhook: \(error)"))
            }
        }
        let events = await place(claimed, request: request)
        if events == nil {
            let now = Timestamp.nowMs()
            result = CallResult(
                outcome: CallOutcome(status: .failed, reasonCode: .error, reason: "not dialed: the queue could not record the call"),
                sipCallID: "", startTime: now, ringTime: nil, connectTime: nil, disconnectTime: now)
        }
        for await event in events ?? AsyncStream(unfolding: { nil }) {
            switch event {
            case .inviteSent(let id):
                callID = id
                activeCalls.add(id)
            case .ended(let ended):
                result = ended
            case .answered:
                connectTime = Timestamp.nowMs()
                await notify("answered")
            case .amd(let amd):
                onEvent(.callProgress(claimed, event))
                amdSummary.record(amd)
                if settings.amdEventsSubscription?.contains(amd.kind.rawValue) ?? true { await notify(amd.kind.rawValue, amd: amd) }
            case .promptStarted, .digit, .optedOut:
                onEvent(.callProgress(claimed, event))
            case .trying, .ringing, .earlyMedia:
                break
            }
        }
        if let callID { activeCalls.remove(callID) }
        return await record(claimed, result: result, callID: callID, trunk: request.trunk, policy: policy, notifyURL: notifyURL,
                            summary: summary)
    }

    // The two ends of a call run in functions of their own (not inlined into `work`), so that
    // their temporaries are not part of the frame every call keeps for its whole duration:
    // thousands of calls may be up at once.

    /// Records the attempt as placed, committed, before its INVITE can go out: after a crash it is
    /// then `interrupted` (never redialed by itself), not pending. A crash between this commit and
    /// the INVITE costs one call that was never made; the other order would dial a contact twice.
    /// Nil if it could not be recorded (then it is not dialed).
    @inline(never)
    private func place(_ claimed: ClaimedAttempt, request: CallRequest) async -> AsyncStream<CallEvent>? {
        var request = request
        request.callID = RandomBytes.hex(16) + "@campaignd"
        do {
            try await store.markInviteSent(attemptID: claimed.attemptID, sipCallID: request.callID ?? "")
        } catch {
            onEvent(.error("cannot record attempt \(claimed.attemptID) as placed; not dialing it: \(error)"))
            return nil
        }
        return await dialer.placeCall(request)
    }

    /// Finishes the attempt (retry policy, CDR row and line, webhook); returns the final SIP code.
    @inline(never)
    private func record(
        _ claimed: ClaimedAttempt, result: CallResult?, callID: String?, trunk: SIPTrunk?, policy: RetryPolicy, notifyURL: String?,
        summary: Mailbox<CDRRecord>
    ) async -> Int? {
        var final = result ?? CallResult(
            outcome: CallOutcome(status: .failed, reasonCode: .error, reason: "the dialer ended the call without an outcome"),
            sipCallID: callID ?? "", startTime: Timestamp.nowMs(), ringTime: nil, connectTime: nil, disconnectTime: Timestamp.nowMs())
        if let code = final.outcome.sipCode, code == 503 || code == 429, trunk != nil {
            final.outcome.reason = (final.outcome.reason.map { $0 + "; " } ?? "") + "trunk rate halved (back-pressure)"
        }
        do {
            let record = try await store.finish(claimed, result: final, policy: policy, notifyURL: notifyURL)
            cdr.nudge()
            summary.post(record)
            onEvent(.finished(record))
        } catch {
            onEvent(.error("cannot record attempt \(claimed.attemptID): \(error)"))
        }
        return final.outcome.sipCode
    }

    private func trunk(for campaign: DispatchCampaign) -> SIPTrunk? {
        if let name = campaign.settings.trunk { return configuration.trunks.first { $0.name == name } }
        return configuration.trunks.count == 1 ? configuration.trunks.first : nil
    }

    private func callRequest(for claimed: ClaimedAttempt, campaign: DispatchCampaign, trunk: SIPTrunk?) -> CallRequest {
        let target: DialTarget
        if claimed.target.hasPrefix("sip"), let uri = try? SIPURI(parsing: claimed.target) {
            target = .sip(uri)
        } else {
            target = .e164(claimed.target)
        }
        let settings = campaign.settings
        return CallRequest(
            target: target, trunk: trunk, caller: claimed.caller, callerHost: settings.callerHost,
            callerDisplayName: settings.callerDisplayName, headers: settings.headers.map { ($0.name, $0.value) },
            answerTimeout: .seconds(settings.answerTimeoutSec), maxCallDuration: .seconds(settings.maxCallDurationSec),
            script: script(for: campaign))
    }

    /// Whether the campaign's calls run a script (and so need an RTP port).
    static func needsMedia(_ campaign: DispatchCampaign) -> Bool {
        campaign.settings.machineDetection != .disabled || campaign.settings.onHuman?.play != nil
    }

    /// The campaign's answered-call script: AMD mode and timers, prompts, opt-out digit.
    private func script(for campaign: DispatchCampaign) -> CallScript? {
        let settings = campaign.settings
        func load(_ prompt: PromptSettings?) -> PromptAudio? {
            guard let path = prompt?.play else { return nil }
            do {
                return try prompts.prompt(at: path)
            } catch {
                onEvent(.error("campaign \(campaign.id): prompt \(error); calling without it"))
                return nil
            }
        }
        let detection: CallScript.MachineDetection
        switch settings.machineDetection {
        case .disabled: detection = .disabled
        case .detect: detection = .detect
        case .disconnect: detection = .disconnect
        }
        let script = CallScript(
            machineDetection: detection, amd: settings.amd.configuration, humanPrompt: load(settings.onHuman),
            machinePrompt: load(settings.onMachine), optOutDigit: settings.onHuman?.optOutDigit?.first,
            voicemailEndTimeout: .seconds(settings.voicemailEndTimeoutSec))
        return script.needsMedia ? script : nil
    }

    /// Whether, in `once` mode, anything falls due before `until` (nil: only what is due now).
    private func moreWorkBefore(_ until: Date?, campaigns: [DispatchCampaign], idle: [Int64: C.Instant], now: C.Instant) async throws -> Bool {
        // A campaign not yet looked at in this refresh round may still have due contacts.
        if campaigns.contains(where: { idle[$0.key] == nil }) { return true }
        guard let next = try await store.nextRetryTime() else { return false }
        let nowMs = Timestamp.nowMs()
        if next <= nowMs { return true }
        guard let until else { return false }
        return next <= Int64(until.timeIntervalSince1970 * 1000)
    }
}

/// A request to stop, set from a signal handler's task and read by the dispatcher loop.
// @unchecked Sendable: `lock` guards `requested`.
public final class StopSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var requested = false

    public init() {}

    public var isRequested: Bool { lock.withLock { requested } }

    public func request() {
        lock.withLock { requested = true }
    }
}

/// Values posted by child tasks and drained by the dispatcher loop.
// @unchecked Sendable: `lock` guards `items`.
final class Mailbox<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Value] = []

    func post(_ value: Value) {
        lock.withLock { items.append(value) }
    }

    func drain() -> [Value] {
        lock.withLock {
            defer { items.removeAll() }
            return items
        }
    }
}

/// SIP Call-IDs of the calls in progress.
// @unchecked Sendable: `lock` guards `ids`.
final class CallRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var ids: Set<String> = []

    func add(_ id: String) { _ = lock.withLock { ids.insert(id) } }
    func remove(_ id: String) { _ = lock.withLock { ids.remove(id) } }
    func snapshot() -> [String] { lock.withLock { Array(ids) } }
}
