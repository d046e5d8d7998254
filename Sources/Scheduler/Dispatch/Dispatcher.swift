import Foundation
import Telephony

/// Dials the campaigns in the queue. The decisions (what to claim when, how long to wait, when to
/// stop) are `DispatchStateMachine`'s; this driver carries them out against the store and the
/// dialer: it reads campaigns, claims batches, runs one child task per call through the `Dialer`,
/// and on each call's end finishes the attempt (`RetryPolicy`, CDR row; `CDRWriter` writes the line)
/// and tells the machine.
public struct Dispatcher<C: DispatchClock>: Sendable {
    public struct Configuration: Sendable {
        /// Rates, slots, trunks, refresh and recovery times (`once` is set from each run's mode).
        public var pacing: PacingConfiguration
        public var defaultTimeZone: TimeZone
        /// The configuration's `callingRules`, on top of every campaign's window.
        public var callingRules: [CallingRule]
        /// `limits.maxAttemptsPerNumberPerDay`: per number and local day, every campaign together.
        public var maxAttemptsPerNumberPerDay: Int?

        public init(pacing: PacingConfiguration, defaultTimeZone: TimeZone = .current, callingRules: [CallingRule] = [],
                    maxAttemptsPerNumberPerDay: Int? = nil) {
            self.pacing = pacing
            self.defaultTimeZone = defaultTimeZone
            self.callingRules = callingRules
            self.maxAttemptsPerNumberPerDay = maxAttemptsPerNumberPerDay
        }

        public init(globalRate: Double, globalMaxConcurrentCalls: Int, slotExpiry: Duration = .seconds(1200),
                    trunks: [SIPTrunk] = [], defaultTimeZone: TimeZone = .current, refreshInterval: Duration = .seconds(1),
                    recoveryInterval: Duration = .seconds(10), callingRules: [CallingRule] = [],
                    maxAttemptsPerNumberPerDay: Int? = nil) {
            self.init(pacing: PacingConfiguration(globalRate: globalRate, globalMaxConcurrentCalls: globalMaxConcurrentCalls,
                                                  slotExpiry: slotExpiry, trunks: trunks, refreshInterval: refreshInterval,
                                                  recoveryInterval: recoveryInterval),
                      defaultTimeZone: defaultTimeZone, callingRules: callingRules, maxAttemptsPerNumberPerDay: maxAttemptsPerNumberPerDay)
        }

        /// The per-contact rules this configuration sets (the claim and the audit both use them).
        public var callingPolicy: CallingPolicy {
            CallingPolicy(rules: callingRules, defaultZone: defaultTimeZone, maxAttemptsPerNumberPerDay: maxAttemptsPerNumberPerDay)
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

        var isOnce: Bool {
            if case .once = self { return true }
            return false
        }
    }

    /// What the dispatcher tells whoever runs it (the executable logs it).
    public enum Event: Sendable {
        case dialing(ClaimedAttempt)
        /// Claimed but not dialed: the queue was locked before its placement could be recorded. The
        /// contact waits to be dialed again.
        case released(ClaimedAttempt)
        case finished(CDRRecord)
        case deferred(contactID: Int64, until: Date)
        case skippedDNC(contactID: Int64, target: String)
        case slotExpired(attemptID: Int64)
        /// The trunk answered 503 or 429: its rate was halved (or, later, raised back).
        case trunkRateChanged(trunk: String, rate: Double, reason: String)
        /// The trunk answered 503 with Retry-After: no call goes to it before `until`.
        case trunkPaused(trunk: String, until: Date)
        /// Every RTP port is in use: calls with media wait for one (told once per stretch).
        case waitingForMediaPorts
        /// Something happened on an answered call: an AMD event, a prompt, a key press.
        case callProgress(ClaimedAttempt, CallEvent)
        case error(DispatchError)
    }

    /// What a finished call tells the machine.
    struct CallEnd: Sendable {
        var attemptID: Int64
        var trunk: String?
        var sipCode: Int?
        /// A 503's `Retry-After`: the trunk is paused that long.
        var retryAfter: Duration?
        var endedAt: C.Instant
        /// How the call counts for connect pacing.
        var sample: ConnectPacer.Sample
    }

    /// What a call in progress tells the machine about its connect slot.
    enum ConnectStep: Sendable {
        case connecting(attemptID: Int64)
        case gaveUp(attemptID: Int64)
        case willNotConnect(attemptID: Int64)
    }

    public let store: QueueWriter
    public let dialer: any Dialer
    public let cdr: CDRWriter
    public let clock: C
    public let configuration: Configuration
    public let onEvent: @Sendable (Event) -> Void
    /// Signalled when new work is committed (API, importer): the dispatcher looks for it at once.
    public let work: WorkSignal
    private let builder: CallRequestBuilder

    public init(store: QueueWriter, dialer: any Dialer, cdr: CDRWriter, clock: C, configuration: Configuration,
                work: WorkSignal = WorkSignal(), onEvent: @escaping @Sendable (Event) -> Void = { _ in }) {
        self.store = store
        self.dialer = dialer
        self.cdr = cdr
        self.clock = clock
        self.configuration = configuration
        self.work = work
        self.onEvent = onEvent
        builder = CallRequestBuilder(trunks: configuration.pacing.trunks)
    }

    /// Counts of the attempts this run finished, by outcome.
    public struct Summary: Sendable, Equatable {
        public var attempts = 0
        public var byOutcome: [CallOutcome.ReasonCode: Int] = [:]
        public var stillWaiting = 0
        /// `once` mode: registering trunks whose registration failed while their campaigns had
        /// contacts to dial (left queued), with the registrar's last answer.
        public var unregisteredTrunks: [String: String] = [:]
        /// Campaigns that made at least one attempt.
        public var campaignsDialed: [String] = []

        public init() {}

        mutating func count(_ record: CDRRecord) {
            attempts += 1
            if let reasonCode = record.reasonCode { byOutcome[reasonCode, default: 0] += 1 }
            if !campaignsDialed.contains(record.campaignId) { campaignsDialed.append(record.campaignId) }
        }
    }

    public func run(_ mode: Mode) async throws -> Summary {
        var pacing = configuration.pacing
        pacing.once = mode.isOnce
        var machine = DispatchStateMachine<C>(configuration: pacing)
        var campaigns: [Int64: DispatchCampaign] = [:]
        /// The active campaigns as last read, in the store's order.
        var loaded: [DispatchCampaign] = []
        // Trunks that register: their campaigns wait while the dialer holds no binding.
        let registeringTrunks = configuration.pacing.trunks.filter(\.register).map(\.name)
        let ended = Mailbox<CallEnd>()
        let connectSteps = Mailbox<ConnectStep>()
        /// Fired by each call's end: a dispatcher waiting for a slot looks again.
        let callEnded = WorkSignal()
        let records = Mailbox<CDRRecord>()
        var summary = Summary()

        // Discarding: a finished call's task is freed at once. A plain task group keeps every finished
        // child until it is awaited, which grew a long-running daemon by about 30 KB a call.
        try await withThrowingDiscardingTaskGroup { group in
            dispatching: while true {
                let now = clock.now
                for step in connectSteps.drain() {
                    switch step {
                    case .connecting(let attemptID): machine.callConnecting(attemptID: attemptID)
                    case .gaveUp(let attemptID): machine.connectGaveUp(attemptID: attemptID)
                    case .willNotConnect(let attemptID): machine.callWillNotConnect(attemptID: attemptID)
                    }
                }
                for end in ended.drain() { machine.callEnded(attemptID: end.attemptID, trunk: end.trunk, sipCode: end.sipCode, retryAfter: end.retryAfter,
                                                             endedAt: end.endedAt, sample: end.sample, now: now) }
                metrics.connectStatus(machine.connectStatus)
                for record in records.drain() { summary.count(record) }
                if let stop = mode.stop, stop.isRequested { machine.stopRequested(now: now, drainTimeout: mode.drainTimeout) }

                let unready = Set(registeringTrunks.filter { !dialer.isTrunkReady($0) })
                let failed: Set<String> = mode.isOnce ? unready.filter { dialer.registrationFailure($0) != nil } : []
                // No new call while its end could not be recorded: the CDR files cannot be written, or
                // another process holds the queue locked (the writer keeps what calls in progress write).
                switch machine.nextAction(now: now, mediaCapacity: dialer.mediaCapacity(), recordingBlocked: cdr.isBlocked || store.isLocked,
                                          unreadyTrunks: unready, failedTrunks: failed) {
                case .report(let notice):
                    report(notice)
                case .refreshCampaigns:
                    let active: [DispatchCampaign], abandonment: [Int64: AbandonmentStats]
                    do {
                        active = try await store.activeCampaigns()
                        // Campaigns paced by connect slots see their abandonment rates as the store counts them
                        // (predictive ones are held under their limit by them; the metrics show them).
                        let paced = active.filter { ConnectPacer($0.settings) != nil }.map(\.key)
                        abandonment = paced.isEmpty
                            ? [:] : try await store.abandonmentStats(campaignKeys: paced, now: clock.milliseconds(at: clock.now))
                    } catch where StoreError.isDatabaseLocked(error) {
                        // Reads wait for no writer in WAL mode, unless another process locked the whole file
                        // (exclusive locking mode): the campaigns read last stay, and are read again next time.
                        machine.campaignsLoaded(loaded, now: clock.now)
                        continue dispatching
                    }
                    loaded = active
                    campaigns = Dictionary(active.map { ($0.key, $0) }, uniquingKeysWith: { $1 })
                    machine.campaignsLoaded(active, abandonment: abandonment, now: clock.now)
                case .claim(let claim):
                    guard let campaign = campaigns[claim.campaignKey] else { continue dispatching }
                    let batch: QueueStore.ClaimBatch
                    do {
                        batch = try await claimBatch(claim, of: campaign, now: now)
                    } catch where StoreError.isDatabaseLocked(error) {
                        // Nothing was committed, so nothing is dialed; `store.isLocked` holds claims back
                        // until the writer sees the lock go.
                        machine.claimed(claim, attemptIDs: [], cursor: claim.after, exhausted: false, now: clock.now)
                        continue dispatching
                    }
                    // Tokens are taken when the claim is committed, just before the INVITEs go out: the
                    // rate's schedule starts from the first call on the wire, not from before its claim.
                    machine.claimed(claim, attemptIDs: batch.claimed.map(\.attemptID), cursor: batch.cursor, exhausted: batch.exhausted,
                                    now: clock.now)
                    for claimed in batch.claimed {
                        onEvent(.dialing(claimed))
                        let request = request(for: claimed, campaign: campaign)
                        group.addTask {
                            let result = await self.work(claimed, request: request, settings: claimed.settings ?? campaign.settings,
                                                         records: records) { step in
                                connectSteps.post(step)
                                callEnded.signal()
                            }
                            ended.post(CallEnd(attemptID: claimed.attemptID, trunk: claim.trunk, sipCode: result.outcome.sipCode,
                                               retryAfter: result.outcome.retryAfter.map { .seconds($0) }, endedAt: clock.now,
                                               sample: result.sample))
                            callEnded.signal()
                        }
                    }
                case .sleep(let until, let reason):
                    var signals = [work]
                    if let stop = mode.stop { signals.append(stop.wake) }
                    switch reason {
                    case .tokens: metrics.waitedForTokens(now.duration(to: until))
                    case .slots, .draining: signals.append(callEnded)
                    case .idle: break
                    }
                    let fired = try await clock.sleep(until: until, wakingOn: signals)
                    if fired.contains(where: { $0 === work }) { machine.workArrived(now: clock.now) }
                case .checkForLaterWork(let blockedUntil):
                    let found: Bool
                    do {
                        found = try await laterWork(before: mode, blockedUntil: blockedUntil)
                    } catch where StoreError.isDatabaseLocked(error) {
                        // Not known: looked at again after the next refresh.
                        found = true
                    }
                    machine.laterWorkChecked(found: found, now: clock.now)
                case .hangUpRemaining:
                    for callID in liveCalls.snapshot() { await dialer.hangUp(sipCallID: callID) }
                case .finish:
                    break dispatching
                }
            }
            // The group waits for the calls still running before it returns.
        }
        for record in records.drain() { summary.count(record) }
        summary.stillWaiting = try await store.waitingContacts()
        for trunk in machine.trunksGivenUp where !dialer.isTrunkReady(trunk) {
            summary.unregisteredTrunks[trunk] = dialer.registrationFailure(trunk) ?? "not registered"
        }
        return summary
    }

    private func report(_ notice: DispatchStateMachine<C>.Notice) {
        switch notice {
        case .trunkRateChanged(let trunk, let rate, let reason): onEvent(.trunkRateChanged(trunk: trunk, rate: rate, reason: reason))
        case .trunkPaused(let trunk, let until): onEvent(.trunkPaused(trunk: trunk, until: clock.date(at: until)))
        case .slotExpired(let attemptID): onEvent(.slotExpired(attemptID: attemptID))
        case .waitingForMediaPorts: onEvent(.waitingForMediaPorts)
        }
    }

    /// Claims what `claim` asks for in one transaction, deferring contacts the calling policy does
    /// not allow now (windows in the callee's zones, rules, quiet dates, the daily cap per number)
    /// and skipping those on the DNC list.
    private func claimBatch(_ claim: DispatchStateMachine<C>.Claim, of campaign: DispatchCampaign, now: C.Instant) async throws -> QueueStore.ClaimBatch {
        let policy = self.policy
        let settings = campaign.settings
        let date = clock.date(at: now)
        let batch = try await store.claimBatch(
            campaign: campaign, trunk: claim.trunk, now: clock.milliseconds(at: now), after: claim.after, limit: claim.limit
        ) { target, contactZone, attemptsBetween in
            let contact = policy.contact(target: target, contactZone: contactZone, settings: settings)
            let decision = try policy.decide(contact, at: date) { day in
                try attemptsBetween(Int64(day.start.timeIntervalSince1970 * 1000), Int64(day.end.timeIntervalSince1970 * 1000))
            }
            switch decision {
            case .call(let zones):
                return .call(zones)
            case .wait(let until, _, _):
                // No opening in the next 40 days: look again tomorrow.
                let opening = until ?? date.addingTimeInterval(86_400)
                return .deferUntil(Int64((opening.timeIntervalSince1970 * 1000).rounded(.up)))
            }
        }
        for (contactID, until) in batch.deferred {
            onEvent(.deferred(contactID: contactID, until: Date(timeIntervalSince1970: Double(until) / 1000)))
        }
        for (contactID, target) in batch.skippedDNC { onEvent(.skippedDNC(contactID: contactID, target: target)) }
        return batch
    }

    /// `once` mode: whether a retry or deferred contact can be dialed before the run's end (now, if
    /// it has none): it must fall due, and a paused trunk must be back (`blockedUntil`).
    private func laterWork(before mode: Mode, blockedUntil: C.Instant?) async throws -> Bool {
        guard let next = try await store.nextRetryTime() else { return false }
        let earliest = max(next, blockedUntil.map { clock.milliseconds(at: $0) } ?? 0)
        if earliest <= clock.milliseconds(at: clock.now) { return true }
        guard case .once(let until?, _, _) = mode else { return false }
        return earliest <= Int64(until.timeIntervalSince1970 * 1000)
    }

    /// Calls in progress, for hanging up what is left when a drain times out.
    private let liveCalls = LiveCalls()
    private var policy: CallingPolicy { configuration.callingPolicy }
    private let prompts = PromptCache()
    /// For the metrics endpoint.
    public let metrics = DispatchMetrics()

    /// Places one call and records it; returns its outcome and how it counts for connect pacing.
    /// `connectStep` is told when the call takes or gives up a connect slot.
    private func work(
        _ claimed: ClaimedAttempt, request: CallRequest, settings: CampaignSettings, records: Mailbox<CDRRecord>,
        connectStep: (ConnectStep) -> Void
    ) async -> (outcome: CallOutcome, sample: ConnectPacer.Sample) {
        var progress = CallProgress()
        /// Webhooks for events during the call, enqueued in order through the writer; the planner
        /// decides which go where (`notifyFormat`), so every event is offered when any URL is set.
        let notifies = claimed.notifyUrl != nil || settings.notifyUrl != nil || settings.amdNotifyUrl != nil
        let placement = await place(claimed, request: request)
        if case .refused = placement {
            // Another process holds the queue locked: the claim goes back (once the lock is gone; kept
            // in memory until then), as if it had never been made. No call, no CDR, no webhook.
            await release(claimed)
            return (CallOutcome(status: .failed, reasonCode: .error, reason: "not dialed: the queue is locked"), .notAnswered)
        }
        let events: AsyncStream<CallEvent>? = if case .placed(let events) = placement { events } else { nil }
        if events == nil {
            let now = clock.milliseconds(at: clock.now)
            progress.result = CallResult(
                outcome: CallOutcome(status: .failed, reasonCode: .error, reason: "not dialed: the queue could not record the call"),
                sipCallID: "", startTime: now, ringTime: nil, connectTime: nil, disconnectTime: now)
        }
        for await event in events ?? AsyncStream(unfolding: { nil }) {
            if let stage = track(event, in: &progress, claimed, script: request.script, connectStep: connectStep), notifies {
                await notify(stage, claimed, settings: settings, progress: progress)
            }
        }
        if let callID = progress.callID { liveCalls.remove(callID) }
        let outcome = await record(claimed, result: progress.result, callID: progress.callID, trunk: request.trunk,
                                   policy: RetryPolicy(settings), notify: notifies ? settings : nil, records: records)
        return (outcome, Self.sample(progress.result))
    }

    /// What `work` knows of a call in progress, from its events.
    private struct CallProgress {
        var result: CallResult?
        var callID: String?
        var ringTime: Int64?
        var connectTime: Int64?
        var amdSummary = AMDSummary()
    }

    /// Takes one event of a call in progress into `progress` (and tells `onEvent` and connect
    /// pacing what they follow); the webhook stage it calls for, if any.
    ///
    /// Synchronous and not inlined into `work`: the event's handling, its enum payloads and the
    /// temporaries it builds are then on the thread's stack only while it runs, not in the async
    /// frame each call keeps for its whole duration (thousands may be up at once).
    @inline(never)
    private func track(_ event: CallEvent, in progress: inout CallProgress, _ claimed: ClaimedAttempt, script: CallScript?,
                       connectStep: (ConnectStep) -> Void) -> NotifyStage? {
        switch event {
        case .inviteSent(let id):
            progress.callID = id
            liveCalls.add(id)
        case .ended(let ended):
            progress.result = ended
        case .answered(_, let atMs, let rangAtMs):
            // The dialer's stamps, so the in-call webhooks and the CDR name the same times.
            progress.connectTime = atMs > 0 ? atMs : clock.milliseconds(at: clock.now)
            if let rangAtMs { progress.ringTime = rangAtMs }
            return .answered
        case .amd(let amd):
            onEvent(.callProgress(claimed, event))
            progress.amdSummary.record(amd)
            if Self.isNeverConnected(amd.kind, script) { connectStep(.willNotConnect(attemptID: claimed.attemptID)) }
            return .amd(amd)
        case .promptStarted, .digit, .optedOut:
            onEvent(.callProgress(claimed, event))
        case .connecting, .connected, .transferred, .abandoned:
            switch event {
            case .connecting: connectStep(.connecting(attemptID: claimed.attemptID))
            case .transferred, .abandoned: connectStep(.gaveUp(attemptID: claimed.attemptID))
            default: break
            }
            onEvent(.callProgress(claimed, event))
            return .connect(event.webhookName)
        case .trying, .ringing, .earlyMedia:
            // Their times reach the in-call webhooks with the answer (`rangAtMs`), as the CDR has them.
            break
        }
        return nil
    }

    /// Enqueues the webhook for one event during a call, through the writer, in order.
    @inline(never)
    private func notify(_ stage: NotifyStage, _ claimed: ClaimedAttempt, settings: CampaignSettings, progress: CallProgress) async {
        do {
            try await store.enqueueCallEvent(claimed, stage: stage, settings: settings, ringTime: progress.ringTime,
                                             connectTime: progress.connectTime, verdict: progress.amdSummary.verdict,
                                             beepDetected: progress.amdSummary.beepDetected)
        } catch {
            onEvent(.error(.cannotEnqueueWebhook(attemptID: claimed.attemptID, event: "\(stage)", reason: "\(error)")))
        }
    }

    /// Whether a call whose AMD verdict is `kind` is put through to nobody: a machine (or fax) when
    /// the script connects no machines. Unsure verdicts are left counted as waiting.
    static func isNeverConnected(_ kind: AMDEvent.Kind, _ script: CallScript?) -> Bool {
        guard let script, script.humanConnect != nil || script.machineConnect != nil else { return false }
        switch kind {
        case .machineDetected: return script.machineConnect == nil
        case .faxDetected: return true
        case .humanDetected: return script.humanConnect == nil
        case .noSpeechDetected, .decisionTimeout, .machineStoppedSpeaking, .toneDetected, .error, .stopped: return false
        }
    }

    /// How an ended call counts for connect pacing: never answered, answered by no person the
    /// campaign put through, or a person put through (abandoned or not).
    static func sample(_ result: CallResult?) -> ConnectPacer.Sample {
        guard let result, result.connectTime != nil else { return .notAnswered }
        guard let connect = result.connect, result.machineDetection?.kind != .machineDetected else { return .notAPerson }
        return .person(abandoned: connect.abandoned)
    }

    // The two ends of a call run in functions of their own (not inlined into `work`), so that
    // their temporaries are not part of the frame every call keeps for its whole duration:
    // thousands of calls may be up at once.

    /// Records the attempt as placed, committed, before its INVITE can go out: after a crash it is
    /// then `interrupted` (never redialed by itself), not pending. A crash between this commit and
    /// the INVITE costs one call that was never made; the other order would dial a contact twice.
    /// If it could not be recorded, it is not dialed.
    @inline(never)
    private func place(_ claimed: ClaimedAttempt, request: CallRequest) async -> Placement {
        var request = request
        request.callID = claimed.sipCallID ?? (RandomBytes.hex(16) + "@campaignd")
        do {
            try await store.markInviteSent(attemptID: claimed.attemptID, sipCallID: request.callID ?? "")
        } catch where StoreError.isDatabaseLocked(error) {
            return .refused
        } catch {
            onEvent(.error(.cannotRecordPlacement(attemptID: claimed.attemptID, reason: "\(error)")))
            return .notRecorded
        }
        return .placed(await dialer.placeCall(request))
    }

    /// What became of a claimed call before its INVITE.
    private enum Placement {
        case placed(AsyncStream<CallEvent>)
        /// Recording it failed: it ends as failed, with a CDR saying it was not dialed.
        case notRecorded
        /// Another process holds the queue locked: the claim is given back.
        case refused
    }

    /// Gives back a claim that was not dialed because the queue was locked (committed once it is free).
    @inline(never)
    private func release(_ claimed: ClaimedAttempt) async {
        do {
            try await store.releaseUnplacedAttempt(claimed)
            onEvent(.released(claimed))
        } catch {
            onEvent(.error(.cannotRecordPlacement(attemptID: claimed.attemptID, reason: "\(error)")))
        }
    }

    /// Finishes the attempt (retry policy, CDR row, webhook) and nudges the CDR writer; returns the outcome.
    @inline(never)
    private func record(
        _ claimed: ClaimedAttempt, result: CallResult?, callID: String?, trunk: SIPTrunk?, policy: RetryPolicy, notify: CampaignSettings?,
        records: Mailbox<CDRRecord>
    ) async -> CallOutcome {
        var final = result ?? CallResult(
            outcome: CallOutcome(status: .failed, reasonCode: .error, reason: "the dialer ended the call without an outcome"),
            sipCallID: callID ?? "", startTime: clock.milliseconds(at: clock.now), ringTime: nil, connectTime: nil, disconnectTime: clock.milliseconds(at: clock.now))
        if let code = final.outcome.sipCode, code == 503 || code == 429, trunk != nil {
            final.outcome.reason = (final.outcome.reason.map { $0 + "; " } ?? "") + "trunk rate halved (back-pressure)"
        }
        do {
            let record = try await store.finish(claimed, result: final, policy: policy, notify: notify)
            cdr.nudge()
            records.post(record)
            onEvent(.finished(record))
        } catch {
            onEvent(.error(.cannotRecordAttempt(attemptID: claimed.attemptID, reason: "\(error)")))
        }
        return final.outcome
    }

    /// The request for one claimed contact, built as `campaignd call` builds its one.
    private func request(for claimed: ClaimedAttempt, campaign: DispatchCampaign) -> CallRequest {
        let identity = ConnectHeaders.Identity(
            campaignID: claimed.campaignID, contactID: claimed.contactID, conversationID: claimed.conversationId, callee: claimed.target,
            metadata: claimed.metadata)
        return builder.request(target: DialTarget(canonical: claimed.target), settings: claimed.settings ?? campaign.settings,
                               caller: claimed.caller,
                               identity: identity) { path in
            do {
                return try prompts.prompt(at: path)
            } catch {
                onEvent(.error(.promptUnavailable(campaign: campaign.id, path: path, reason: "\(error)")))
                return nil
            }
        }
    }
}
