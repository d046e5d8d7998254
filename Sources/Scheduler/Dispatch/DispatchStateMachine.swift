import Telephony

/// Decides, with no I/O and no clock of its own, what the dispatcher does next: when to read the
/// campaigns again, which campaign to claim how many calls from, how long to sleep. The
/// `Dispatcher` feeds it what happened (campaigns read, a batch claimed, a call ended, a stop asked
/// for) with the time it happened, and carries out the action it asks for.
///
/// Pacing rules decided here:
/// - **Rates**: a global token bucket, one per campaign (`dialoutLimitPerSecond`), and one per trunk
///   while it is throttled. A call needs a token from each.
/// - **Slots**: a global concurrency gate and one per campaign (`maxConcurrentCalls`); a slot whose
///   call never reports an end is given back after `slotExpiry`.
/// - **Back-pressure**: a 503 or 429 from a trunk halves its rate; each quiet `recoveryInterval`
///   adds a tenth of the global rate back. A `Retry-After` on a 503 pauses the trunk until then.
/// - **Fairness**: while several campaigns can dial, each round offers one call to each in turn; a
///   campaign whose own bucket is not due lets its turn pass. A lone campaign claims up to 64 at once.
/// - **Idle campaigns**: a campaign with nothing due is not asked again until the next refresh or
///   until new work is signalled; one whose contacts are all finished when read
///   (`DispatchCampaign.hasQueuedContacts`) is not asked at all.
/// - **Connect slots** (`onHuman.connect.maxConcurrent`): calls in progress and not yet connected
///   stay at most free slots × the dial ratio (`ConnectPacer`: 1.0 progressive, more predictive
///   under the abandonment limit); a call holds a slot from `connecting` until it ends or its
///   connect gives up (abandoned, transferred).
public struct DispatchStateMachine<C: Clock>: Sendable where C.Duration == Duration, C.Instant: Sendable {
    public typealias Configuration = PacingConfiguration

    /// A batch to claim from one campaign.
    public struct Claim: Sendable, Equatable {
        public var campaignKey: Int64
        public var trunk: String?
        public var limit: Int
        /// The contact id the last claim of this campaign stopped at (contacts are taken in id order).
        public var after: Int64
    }

    /// Why the dispatcher sleeps; it decides what may wake it early.
    public enum SleepReason: Sendable, Equatable {
        /// Until the next token of a campaign that could dial.
        case tokens
        /// Nothing can be claimed while calls are up (limits, RTP ports, or nothing due): a call
        /// ending wakes it.
        case slots
        /// Nothing to dial until the next refresh (or new work, or a stop).
        case idle
        /// Stopping: waiting for live calls to end.
        case draining
    }

    /// Things worth telling whoever runs the dispatcher.
    public enum Notice: Sendable, Equatable {
        case trunkRateChanged(trunk: String, rate: Double, reason: String)
        case trunkPaused(trunk: String, until: C.Instant)
        case slotExpired(attemptID: Int64)
        case waitingForMediaPorts
    }

    public enum Action: Sendable, Equatable {
        /// Read the active campaigns and their settings; then `campaignsLoaded`.
        case refreshCampaigns
        /// Claim up to `limit` due contacts of a campaign; then `claimed`.
        case claim(Claim)
        case report(Notice)
        case sleep(until: C.Instant, reason: SleepReason)
        /// `once` mode, nothing left to dial now: ask the store whether retries fall due before the
        /// run's end, and, when the campaigns that still have work wait for a paused trunk, no sooner
        /// than `blockedUntil`; then `laterWorkChecked`.
        case checkForLaterWork(blockedUntil: C.Instant?)
        /// The drain time is over: hang up the calls still up (their ends are still recorded).
        case hangUpRemaining
        /// Return from `run` (the calls still running are awaited by the driver's task group).
        case finish
    }

    private struct CampaignPacing: Sendable {
        var campaign: DispatchCampaign
        var bucket: TokenBucket<C>
        var gate: ConcurrencyGate<C, Int64>
        /// Nothing was due at the last claim: not asked again until the next refresh or new work.
        var idle = false
        var cursor: Int64 = 0
        /// Set when the campaign paces by connect slots (`onHuman.connect.maxConcurrent`).
        var connect: ConnectPacer?
        /// The campaign's calls in progress; of them, those holding a connect slot (connecting or
        /// connected) and those that will not be connected (a machine, an abandoned or transferred call).
        var live = Set<Int64>()
        var holding = Set<Int64>()
        var settled = Set<Int64>()

        /// Calls up and not yet connected: ringing, or answered and waiting for a verdict.
        var waiting: Int { live.count - holding.count - settled.count }

        /// How many more calls the connect slots allow (unlimited without connect pacing).
        var connectRoom: Int { connect?.room(waiting: waiting, connected: holding.count) ?? Int.max }
    }

    private struct TrunkThrottle: Sendable {
        var bucket: TokenBucket<C>?
        var changedAt: C.Instant
        var pausedUntil: C.Instant?
    }

    private enum State: Sendable, Equatable {
        case dialing
        /// `once` mode found no later work: finish when the last call ends.
        case done
        case draining(deadline: C.Instant)
        case hungUp
    }

    public let configuration: Configuration
    private var state = State.dialing
    private var globalBucket: TokenBucket<C>
    private var globalGate: ConcurrencyGate<C, Int64>
    /// Active campaigns in the order the store lists them (the round-robin order).
    private var campaigns: [Int64] = []
    private var pacing: [Int64: CampaignPacing] = [:]
    private var throttles: [String: TrunkThrottle] = [:]
    /// Live attempts and their campaign.
    private var campaignOfAttempt: [Int64: Int64] = [:]
    private var nextRefresh: C.Instant?
    private var refreshing = false
    /// The rest of the current fairness round: campaigns still to be offered a call.
    private var offers: [Int64] = []
    private var roundRobin = 0
    private var waitingForPorts = false
    private var notices: [Notice] = []
    /// `once` mode: set when the driver said no later work waits; cleared by new work.
    private var checkedForLaterWork = false
    /// `once` mode: registering trunks whose registration failed while campaigns waited for them;
    /// those campaigns' contacts were left queued when the run ended.
    public private(set) var trunksGivenUp: Set<String> = []

    public init(configuration: Configuration) {
        self.configuration = configuration
        globalBucket = TokenBucket(rate: configuration.globalRate, burst: Self.burst(configuration.globalRate))
        globalGate = ConcurrencyGate(limit: configuration.globalMaxConcurrentCalls, expiry: configuration.slotExpiry)
    }

    /// Up to 100 ms of tokens may be caught up at once: a driver iteration longer than 1/rate is not
    /// an idle stretch, and the rate holds at thousands of calls per second.
    static func burst(_ rate: Double) -> Int { max(1, Int(rate / 10)) }

    /// Calls in progress (claimed and not yet ended).
    public var liveCalls: Int { campaignOfAttempt.count }

    // MARK: Events

    /// The store's active campaigns, read after `.refreshCampaigns`, with the abandonment counts
    /// of those that pace by connect slots (`abandonment`, by campaign key).
    public mutating func campaignsLoaded(_ loaded: [DispatchCampaign], abandonment: [Int64: AbandonmentStats] = [:], now: C.Instant) {
        refreshing = false
        checkedForLaterWork = false
        nextRefresh = now.advanced(by: configuration.refreshInterval)
        campaigns = loaded.map(\.key)
        for campaign in loaded {
            let settings = campaign.settings
            if var existing = pacing[campaign.key] {
                existing.campaign = campaign
                if existing.bucket.rate != settings.dialoutLimitPerSecond {
                    existing.bucket.setRate(settings.dialoutLimitPerSecond, now: now)
                }
                if existing.gate.limit != settings.maxConcurrentCalls {
                    existing.gate = gate(limit: settings.maxConcurrentCalls, holding: campaign.key, now: now)
                }
                // A refresh is a fresh look at every campaign: one whose counts hold nothing to claim
                // is idle without a claim (which would find nothing).
                existing.idle = !campaign.hasQueuedContacts
                let pacer = ConnectPacer(settings)
                if pacer?.maxConcurrent != existing.connect?.maxConcurrent || pacer?.dialRatio != existing.connect?.dialRatio
                    || pacer?.maxAbandonRate != existing.connect?.maxAbandonRate {
                    existing.connect = pacer
                }
                pacing[campaign.key] = existing
            } else {
                pacing[campaign.key] = CampaignPacing(
                    campaign: campaign,
                    bucket: TokenBucket(rate: settings.dialoutLimitPerSecond, burst: Self.burst(settings.dialoutLimitPerSecond)),
                    gate: gate(limit: settings.maxConcurrentCalls, holding: campaign.key, now: now), idle: !campaign.hasQueuedContacts,
                    connect: ConnectPacer(settings))
            }
            if let stats = abandonment[campaign.key] { pacing[campaign.key]?.connect?.abandonmentLoaded(stats) }
        }
        offers.removeAll { !campaigns.contains($0) }
    }

    /// What a `.claim` got: the attempts claimed (in order), where the campaign's cursor now is, and
    /// whether it ran out of due contacts.
    public mutating func claimed(_ claim: Claim, attemptIDs: [Int64], cursor: Int64, exhausted: Bool, now: C.Instant) {
        guard var campaign = pacing[claim.campaignKey] else { return }
        campaign.cursor = cursor
        if exhausted, attemptIDs.isEmpty { campaign.idle = true }
        for attemptID in attemptIDs {
            globalBucket.take(now: now)
            campaign.bucket.take(now: now)
            if let trunk = claim.trunk { throttles[trunk]?.bucket?.take(now: now) }
            _ = globalGate.acquire(attemptID, now: now)
            _ = campaign.gate.acquire(attemptID, now: now)
            campaign.live.insert(attemptID)
            campaignOfAttempt[attemptID] = claim.campaignKey
        }
        pacing[claim.campaignKey] = campaign
    }

    /// A call ended (whatever its outcome), told at `now`. A 503 or 429 from its trunk throttles the
    /// trunk; `retryAfter` (a 503's `Retry-After`) also pauses it, counted from `endedAt` (when the
    /// response came, which may be a while before the dispatcher hears of it: a token wait is not
    /// cut short by a call's end).
    /// `sample`: how the call counts for a campaign that paces by connect slots.
    public mutating func callEnded(attemptID: Int64, trunk: String?, sipCode: Int?, retryAfter: Duration? = nil, endedAt: C.Instant? = nil,
                                   sample: ConnectPacer.Sample? = nil, now: C.Instant) {
        if let sample, let key = campaignOfAttempt[attemptID] { pacing[key]?.connect?.record(sample) }
        release(attemptID)
        guard let trunk, let sipCode, sipCode == 503 || sipCode == 429 else { return }
        // Multiplicative decrease.
        var throttle = throttles[trunk] ?? TrunkThrottle(bucket: nil, changedAt: now)
        let halved = max((throttle.bucket?.rate ?? configuration.globalRate) / 2, 0.1)
        if throttle.bucket == nil {
            throttle.bucket = TokenBucket(rate: halved, burst: Self.burst(halved))
        } else {
            throttle.bucket?.setRate(halved, now: now)
        }
        throttle.changedAt = now
        notices.append(.trunkRateChanged(trunk: trunk, rate: halved, reason: "SIP \(sipCode) from the trunk"))
        if sipCode == 503, let retryAfter, retryAfter > .zero {
            let until = (endedAt ?? now).advanced(by: retryAfter)
            if throttle.pausedUntil.map({ $0 < until }) ?? true {
                throttle.pausedUntil = until
                notices.append(.trunkPaused(trunk: trunk, until: until))
            }
        }
        throttles[trunk] = throttle
    }

    /// The call is being put through to its campaign's target: it holds a connect slot until it
    /// ends or `connectGaveUp`.
    public mutating func callConnecting(attemptID: Int64) {
        guard let key = campaignOfAttempt[attemptID] else { return }
        pacing[key]?.settled.remove(attemptID)
        pacing[key]?.holding.insert(attemptID)
    }

    /// The call's connect ended without the agent keeping it (abandoned, or handed over by REFER):
    /// its slot is free while the call plays its goodbye.
    public mutating func connectGaveUp(attemptID: Int64) {
        guard let key = campaignOfAttempt[attemptID] else { return }
        pacing[key]?.holding.remove(attemptID)
        pacing[key]?.settled.insert(attemptID)
    }

    /// The answered call will not be put through (a machine the campaign does not connect): it no
    /// longer counts as waiting for a slot.
    public mutating func callWillNotConnect(attemptID: Int64) {
        guard let key = campaignOfAttempt[attemptID], pacing[key]?.holding.contains(attemptID) == false else { return }
        pacing[key]?.settled.insert(attemptID)
    }

    /// Connect pacing of the campaigns that have it, in the store's order.
    public var connectStatus: [ConnectPacingStatus] {
        campaigns.compactMap { key in
            guard let campaign = pacing[key], let connect = campaign.connect else { return nil }
            return ConnectPacingStatus(campaignID: campaign.campaign.id, connected: campaign.holding.count,
                                 freeSlots: connect.freeSlots(connected: campaign.holding.count), waiting: campaign.waiting,
                                 ratio: connect.ratio, ceiling: connect.ceiling, abandonment: connect.abandonment)
        }
    }

    /// New work was committed (a signal): read the campaigns again and look at idle ones.
    public mutating func workArrived(now: C.Instant) {
        nextRefresh = now
        for key in pacing.keys { pacing[key]?.idle = false }
        checkedForLaterWork = false
        if state == .done { state = .dialing }
    }

    /// Stop claiming; live calls get `drainTimeout`, then are hung up. Asking again changes nothing.
    public mutating func stopRequested(now: C.Instant, drainTimeout: Duration) {
        switch state {
        case .dialing, .done: state = .draining(deadline: now.advanced(by: drainTimeout))
        case .draining, .hungUp: break
        }
        offers.removeAll()
    }

    /// The answer to `.checkForLaterWork`.
    public mutating func laterWorkChecked(found: Bool, now: C.Instant) {
        checkedForLaterWork = true
        if !found { state = .done }
    }

    // MARK: Deciding

    /// The next thing to do at `now`. `mediaCapacity` is how many more calls with media can start
    /// (nil: no limit); `recordingBlocked`: a call could not be recorded now (the CDR files cannot be
    /// written, or another process holds the queue locked), so no new call starts until it can; `unreadyTrunks`: trunks that register and hold no binding now, whose
    /// campaigns wait; `failedTrunks`: those of them whose last registration failed (the registrar
    /// refused it or never answered), which `once` mode does not wait for: it ends when nothing
    /// else can be dialed, their campaigns' contacts still queued (`trunksGivenUp` names them).
    public mutating func nextAction(now: C.Instant, mediaCapacity: Int?, recordingBlocked: Bool = false,
                                    unreadyTrunks: Set<String> = [], failedTrunks: Set<String> = []) -> Action {
        housekeeping(now: now)
        if !notices.isEmpty { return .report(notices.removeFirst()) }
        switch state {
        case .draining(let deadline):
            if campaignOfAttempt.isEmpty { return .finish }
            if now >= deadline {
                state = .hungUp
                return .hangUpRemaining
            }
            return .sleep(until: deadline, reason: .draining)
        case .hungUp:
            return .finish
        case .done:
            if campaignOfAttempt.isEmpty { return .finish }
        case .dialing:
            break
        }
        if !refreshing, nextRefresh.map({ $0 <= now }) ?? true {
            refreshing = true
            return .refreshCampaigns
        }
        if state == .done {
            return .sleep(until: nextWake(now: now), reason: .slots)
        }
        if recordingBlocked {
            offers.removeAll()
            // The CDR writer and the queue's writer try again on their own; look again soon.
            return .sleep(until: min(nextWake(now: now), now.advanced(by: .milliseconds(20))), reason: campaignOfAttempt.isEmpty ? .idle : .slots)
        }

        // Campaigns that could dial now: room in both gates, an RTP port for calls with media, not idle.
        let (ready, mediaBlocked) = readyCampaigns(now: now, mediaCapacity: mediaCapacity, unreadyTrunks: unreadyTrunks)
        if mediaBlocked {
            if !waitingForPorts {
                waitingForPorts = true
                return .report(.waitingForMediaPorts)
            }
        } else if mediaCapacity != 0 {
            waitingForPorts = false
        }
        if ready.isEmpty {
            offers.removeAll()
            if configuration.once, campaignOfAttempt.isEmpty, !checkedForLaterWork, !mediaBlocked {
                // Every campaign is idle, waits for its trunk's pause to end, or for a trunk whose
                // registration failed (not waited for: the registrar's answer is known).
                let waiting = campaigns.filter { pacing[$0]?.idle == false }
                let failedTrunk = waiting.map { key -> String? in
                    guard let name = pacing[key].flatMap({ trunk(of: $0.campaign)?.name }),
                          unreadyTrunks.contains(name), failedTrunks.contains(name) else { return nil }
                    return name
                }
                let unregistered = failedTrunk.compactMap { $0 }
                let pauses = zip(waiting, failedTrunk).filter { $0.1 == nil }.map { pausedUntil(of: $0.0, now: now) }
                if pauses.allSatisfy({ $0 != nil }) {
                    trunksGivenUp.formUnion(unregistered)
                    // Only campaigns of unregistered trunks have work now: the run ends (retries of other
                    // campaigns due before its `until` are left for the next run as well).
                    if pauses.isEmpty, !unregistered.isEmpty {
                        state = .done
                        return .finish
                    }
                    return .checkForLaterWork(blockedUntil: pauses.compactMap { $0 }.min())
                }
            }
            if mediaBlocked {
                // Ports come back as calls end (and a little after): look again soon.
                return .sleep(until: min(nextWake(now: now), now.advanced(by: .milliseconds(20))), reason: .slots)
            }
            // With calls up, one ending may free a slot (or, in `once` mode, be the last).
            return .sleep(until: nextWake(now: now), reason: campaignOfAttempt.isEmpty ? .idle : .slots)
        }

        if let claim = nextOffer(ready: ready, now: now, mediaCapacity: mediaCapacity) { return .claim(claim) }
        // A new round needs a campaign whose tokens are all due; else sleep until the first is.
        let deadlines = ready.map { ($0, deadline(of: $0, now: now)) }
        guard deadlines.contains(where: { $0.1 <= now }) else {
            let first = deadlines.map(\.1).min() ?? now
            return .sleep(until: min(first, nextWake(now: now)), reason: .tokens)
        }
        let globalTokens = max(globalBucket.availableTokens(now: now), 1)
        if ready.count == 1 {
            if let claim = claim(for: ready[0], limit: globalTokens, now: now, mediaCapacity: mediaCapacity) { return .claim(claim) }
        } else {
            let count = min(globalTokens, ready.count)
            let first = roundRobin % ready.count
            roundRobin += count
            offers = (0..<count).map { ready[(first + $0) % ready.count] }
            if let claim = nextOffer(ready: ready, now: now, mediaCapacity: mediaCapacity) { return .claim(claim) }
        }
        // A token due by the deadline but not by the count (rounding): look again in a moment.
        return .sleep(until: min(now.advanced(by: .milliseconds(1)), nextWake(now: now)), reason: .tokens)
    }

    /// The rest of the current fairness round, one call each; a campaign that cannot take its turn
    /// lets it pass (it is not handed to another).
    private mutating func nextOffer(ready: [Int64], now: C.Instant, mediaCapacity: Int?) -> Claim? {
        while let key = offers.first {
            offers.removeFirst()
            guard ready.contains(key), let claim = claim(for: key, limit: 1, now: now, mediaCapacity: mediaCapacity) else { continue }
            return claim
        }
        return nil
    }

    // MARK: Internals

    private func gate(limit: Int, holding campaignKey: Int64, now: C.Instant) -> ConcurrencyGate<C, Int64> {
        var gate = ConcurrencyGate<C, Int64>(limit: limit, expiry: configuration.slotExpiry)
        for (attemptID, key) in campaignOfAttempt where key == campaignKey { _ = gate.acquire(attemptID, now: now) }
        return gate
    }

    private mutating func release(_ attemptID: Int64) {
        globalGate.release(attemptID)
        forget(attemptID)
    }

    /// Drops a call from its campaign's gate and connect counts.
    private mutating func forget(_ attemptID: Int64) {
        guard let key = campaignOfAttempt.removeValue(forKey: attemptID) else { return }
        pacing[key]?.gate.release(attemptID)
        pacing[key]?.live.remove(attemptID)
        pacing[key]?.holding.remove(attemptID)
        pacing[key]?.settled.remove(attemptID)
    }

    /// Trunk recovery and pauses ending, expired slots.
    private mutating func housekeeping(now: C.Instant) {
        for (trunk, throttle) in throttles {
            var throttle = throttle
            if let paused = throttle.pausedUntil, paused <= now { throttle.pausedUntil = nil }
            if let bucket = throttle.bucket, throttle.changedAt.advanced(by: configuration.recoveryInterval) <= now {
                // Additive increase back toward the global rate, one tenth of it per quiet interval.
                let raised = min(bucket.rate + configuration.globalRate / 10, configuration.globalRate)
                if raised >= configuration.globalRate {
                    throttle.bucket = nil
                } else {
                    throttle.bucket?.setRate(raised, now: now)
                }
                throttle.changedAt = now
                notices.append(.trunkRateChanged(trunk: trunk, rate: raised, reason: "no 503/429 for \(configuration.recoveryInterval)"))
            }
            throttles[trunk] = throttle.bucket == nil && throttle.pausedUntil == nil ? nil : throttle
        }
        for attemptID in globalGate.reclaimExpired(now: now) {
            forget(attemptID)
            notices.append(.slotExpired(attemptID: attemptID))
        }
    }

    /// The trunk a campaign's calls go through: the one it names, or the only one configured.
    func trunk(of campaign: DispatchCampaign) -> SIPTrunk? {
        CallRequestBuilder.trunk(named: campaign.settings.trunk, among: configuration.trunks)
    }

    private func readyCampaigns(now: C.Instant, mediaCapacity: Int?, unreadyTrunks: Set<String>) -> (ready: [Int64], mediaBlocked: Bool) {
        guard globalGate.hasRoom else { return ([], false) }
        var mediaBlocked = false
        let ready = campaigns.filter { key in
            guard let campaign = pacing[key], campaign.gate.hasRoom, !campaign.idle, campaign.connectRoom > 0 else { return false }
            if pausedUntil(of: key, now: now) != nil { return false }
            if !unreadyTrunks.isEmpty, let trunk = trunk(of: campaign.campaign)?.name, unreadyTrunks.contains(trunk) { return false }
            if mediaCapacity == 0, CallRequestBuilder.needsMedia(campaign.campaign.settings) {
                mediaBlocked = true
                return false
            }
            return true
        }
        return (ready, mediaBlocked)
    }

    /// When the pause of the campaign's trunk (a 503's Retry-After) ends; nil if it is not paused.
    private func pausedUntil(of key: Int64, now: C.Instant) -> C.Instant? {
        guard let campaign = pacing[key], let trunk = trunk(of: campaign.campaign)?.name,
              let paused = throttles[trunk]?.pausedUntil, paused > now else { return nil }
        return paused
    }

    /// When all of a campaign's buckets (global, its own, its trunk's) have a token.
    private func deadline(of key: Int64, now: C.Instant) -> C.Instant {
        guard let campaign = pacing[key] else { return now }
        let trunkDeadline = trunk(of: campaign.campaign).flatMap { throttles[$0.name]?.bucket?.nextDeadline(now: now) } ?? now
        return max(globalBucket.nextDeadline(now: now), campaign.bucket.nextDeadline(now: now), trunkDeadline)
    }

    /// A claim of up to `limit` calls from a campaign: as many as are due in every bucket and fit in
    /// every gate (and RTP ports for calls with media), at most 64; nil if none.
    private func claim(for key: Int64, limit: Int, now: C.Instant, mediaCapacity: Int?) -> Claim? {
        guard let campaign = pacing[key] else { return nil }
        let trunk = trunk(of: campaign.campaign)
        var room = min(limit, campaign.bucket.availableTokens(now: now), globalBucket.availableTokens(now: now), 64)
        if let trunk, let bucket = throttles[trunk.name]?.bucket { room = min(room, bucket.availableTokens(now: now)) }
        if globalGate.limit > 0 { room = min(room, globalGate.limit - globalGate.inUse) }
        if campaign.gate.limit > 0 { room = min(room, campaign.gate.limit - campaign.gate.inUse) }
        room = min(room, campaign.connectRoom)
        if let mediaCapacity, CallRequestBuilder.needsMedia(campaign.campaign.settings) { room = min(room, mediaCapacity) }
        guard room > 0 else { return nil }
        return Claim(campaignKey: key, trunk: trunk?.name, limit: room, after: campaign.cursor)
    }

    /// The latest the dispatcher may sleep: the next refresh (which also ends every campaign's idle
    /// time), a trunk pause's end, a trunk's recovery step, the oldest slot's expiry.
    private mutating func nextWake(now: C.Instant) -> C.Instant {
        var wake = nextRefresh ?? now
        for throttle in throttles.values {
            if let paused = throttle.pausedUntil { wake = min(wake, paused) }
            if throttle.bucket != nil { wake = min(wake, throttle.changedAt.advanced(by: configuration.recoveryInterval)) }
        }
        if let expiry = globalGate.nextExpiry() { wake = min(wake, expiry) }
        return max(wake, now)
    }
}
