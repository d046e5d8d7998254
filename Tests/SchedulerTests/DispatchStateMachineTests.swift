import Foundation
import Telephony
import Testing
@testable import Scheduler

/// Runs a `DispatchStateMachine` against an imaginary store and dialer on manual time, doing what
/// each action asks: refreshes return `active`, claims take from `due`, calls end after
/// `callLength` with `endCode`, sleeps move time on (to the next call end when the sleep wakes
/// on one).
struct DispatchSimulation {
    typealias Machine = DispatchStateMachine<ManualClock>
    typealias Instant = ManualClock.Instant

    struct LiveCall {
        var attemptID: Int64
        var campaignKey: Int64
        var trunk: String?
        var withMedia: Bool
        var endsAt: Instant
    }

    struct Placed: Equatable {
        var campaignKey: Int64
        var at: Duration
    }

    var machine: Machine
    var now = Instant(offset: .zero)
    var active: [DispatchCampaign]
    var due: [Int64: Int]
    var callLength: Duration = .milliseconds(100)
    /// The SIP code each call ends with, and a Retry-After (by attempt id).
    var endCode: (Int64) -> (Int?, Duration?) = { _ in (200, nil) }
    var mediaCapacity: Int?
    var recordingBlocked = false
    var unreadyTrunks: Set<String> = []
    /// Of the unready trunks, those whose registration failed.
    var failedTrunks: Set<String> = []
    var live: [LiveCall] = []
    var placed: [Placed] = []
    var notices: [Machine.Notice] = []
    var actions: [Machine.Action] = []
    var finished = false
    var laterWork = false
    var checkedBlockedUntil: Instant?
    private var nextAttemptID: Int64 = 1

    init(_ configuration: Machine.Configuration, campaigns: [DispatchCampaign], due: [Int64: Int]) {
        machine = Machine(configuration: configuration)
        active = campaigns
        self.due = due
    }

    static func campaign(_ key: Int64, rate: Double = 1000, maxConcurrent: Int = 0, trunk: String? = nil,
                         detection: MachineDetectionMode = .disabled) -> DispatchCampaign {
        var settings = CampaignSettings()
        settings.dialoutLimitPerSecond = rate
        settings.maxConcurrentCalls = maxConcurrent
        settings.trunk = trunk
        settings.machineDetection = detection
        return DispatchCampaign(key: key, id: "c\(key)", settings: settings)
    }

    func count(_ key: Int64, before end: Duration = .seconds(1_000_000)) -> Int {
        placed.filter { $0.campaignKey == key && $0.at < end }.count
    }

    /// Carries out actions until `end` (manual time) or `.finish`.
    mutating func run(for duration: Duration, maxSteps: Int = 2_000_000) {
        let end = now.advanced(by: duration)
        var steps = 0
        while now < end, !finished, steps < maxSteps {
            steps += 1
            endCallsDue()
            let action = machine.nextAction(now: now, mediaCapacity: mediaCapacity, recordingBlocked: recordingBlocked,
                                                unreadyTrunks: unreadyTrunks, failedTrunks: failedTrunks)
            actions.append(action)
            switch action {
            case .refreshCampaigns:
                machine.campaignsLoaded(active, now: now)
            case .claim(let claim):
                let available = due[claim.campaignKey] ?? 0
                let taken = min(available, claim.limit)
                due[claim.campaignKey] = available - taken
                let ids = (0..<taken).map { _ in
                    defer { nextAttemptID += 1 }
                    return nextAttemptID
                }
                let withMedia = active.first { $0.key == claim.campaignKey }.map { CallRequestBuilder.needsMedia($0.settings) } ?? false
                if withMedia, let capacity = mediaCapacity { mediaCapacity = capacity - taken }
                for id in ids {
                    live.append(LiveCall(attemptID: id, campaignKey: claim.campaignKey, trunk: claim.trunk, withMedia: withMedia,
                                         endsAt: now.advanced(by: callLength)))
                    placed.append(Placed(campaignKey: claim.campaignKey, at: now.offset))
                }
                machine.claimed(claim, attemptIDs: ids, cursor: ids.last ?? claim.after, exhausted: taken < claim.limit, now: now)
            case .report(let notice):
                notices.append(notice)
            case .sleep(let until, let reason):
                var wake = min(until, end)
                if reason == .slots || reason == .draining, let first = live.map(\.endsAt).min() { wake = min(wake, first) }
                now = max(now, wake)
            case .checkForLaterWork(let blockedUntil):
                // A contact due now is work too (the store's next due time is not in the future),
                // unless its trunk is paused: then, as `run --once` without `--until`, it is not.
                checkedBlockedUntil = blockedUntil
                machine.laterWorkChecked(found: laterWork || (blockedUntil == nil && due.values.contains { $0 > 0 }), now: now)
            case .hangUpRemaining:
                for index in live.indices { live[index].endsAt = now }
            case .finish:
                finished = true
            }
        }
        endCallsDue()
    }

    private mutating func endCallsDue() {
        let ending = live.filter { $0.endsAt <= now }
        live.removeAll { $0.endsAt <= now }
        for call in ending {
            if call.withMedia, let capacity = mediaCapacity { mediaCapacity = capacity + 1 }
            let (code, retryAfter) = endCode(call.attemptID)
            machine.callEnded(attemptID: call.attemptID, trunk: call.trunk, sipCode: code, retryAfter: retryAfter, endedAt: call.endsAt,
                              now: now)
        }
    }
}

@Suite struct DispatchStateMachineTests {
    typealias Simulation = DispatchSimulation

    @Test(arguments: [(2.5, 1000.0, 25), (1000, 3.0, 30), (0.5, 1000, 5), (0.2, 0.3, 2)])
    func fractionalRatesHoldWhicheverBucketIsTighter(campaignRate: Double, globalRate: Double, inTenSeconds: Int) {
        var simulation = Simulation(.init(globalRate: globalRate, globalMaxConcurrentCalls: 0),
                                    campaigns: [Simulation.campaign(1, rate: campaignRate)], due: [1: 10_000])
        simulation.run(for: .seconds(10))
        // Token n is due at n / rate: in [0, 10 s) that is rate × 10 of them.
        #expect(simulation.count(1, before: .seconds(10)) == inTenSeconds)
    }

    @Test func theFirstActionIsARefreshAndALoneCampaignClaimsInBatches() {
        var machine = DispatchStateMachine<ManualClock>(configuration: .init(globalRate: 1000, globalMaxConcurrentCalls: 0))
        let zero = ManualClock.Instant(offset: .zero)
        #expect(machine.nextAction(now: zero, mediaCapacity: nil) == .refreshCampaigns)
        machine.campaignsLoaded([Simulation.campaign(7, rate: 1000)], now: zero)
        #expect(machine.nextAction(now: zero, mediaCapacity: nil) == .claim(.init(campaignKey: 7, trunk: nil, limit: 1, after: 0)))
        machine.claimed(.init(campaignKey: 7, trunk: nil, limit: 1, after: 0), attemptIDs: [1], cursor: 11, exhausted: false, now: zero)
        // 100 ms later: 100 tokens are due, claimed at most 64 at a time, from where the last claim stopped.
        let later = zero.advanced(by: .milliseconds(100))
        #expect(machine.nextAction(now: later, mediaCapacity: nil) == .claim(.init(campaignKey: 7, trunk: nil, limit: 64, after: 11)))
    }

    @Test func threeCampaignsWithDifferentRatesShareFairly() {
        // Global 20/s; two fast campaigns and one held to 2/s by its own rate.
        var simulation = Simulation(
            .init(globalRate: 20, globalMaxConcurrentCalls: 0),
            campaigns: [Simulation.campaign(1), Simulation.campaign(2), Simulation.campaign(3, rate: 2)],
            due: [1: 10_000, 2: 10_000, 3: 10_000])
        simulation.run(for: .seconds(10))
        #expect(simulation.placed.count == 200)
        #expect(simulation.count(3) == 20)
        #expect(simulation.count(1) + simulation.count(2) == 180)
        // Every ten calls of the two fast campaigns are split 4-6, 5-5 when on time.
        let fast = simulation.placed.filter { $0.campaignKey != 3 }
        for start in stride(from: 0, to: fast.count - 9, by: 10) {
            let fromFirst = fast[start..<start + 10].filter { $0.campaignKey == 1 }.count
            #expect((4...6).contains(fromFirst), "calls \(start)-\(start + 9): \(fromFirst) from the first")
        }
    }

    @Test func slotsLimitCallsInProgressAndAnEndingCallFreesOneAtOnce() {
        var simulation = Simulation(.init(globalRate: 1000, globalMaxConcurrentCalls: 3),
                                    campaigns: [Simulation.campaign(1), Simulation.campaign(2, maxConcurrent: 1)],
                                    due: [1: 100, 2: 100])
        simulation.callLength = .seconds(2)
        var peak = 0
        var peakOfSecond = 0
        for _ in 0..<400 {
            simulation.run(for: .milliseconds(50))
            peak = max(peak, simulation.live.count)
            peakOfSecond = max(peakOfSecond, simulation.live.filter { $0.campaignKey == 2 }.count)
        }
        #expect(peak == 3)
        #expect(peakOfSecond == 1)
        #expect(simulation.placed.count == 30)
        // Calls start in threes (1 ms apart at the global rate of 1,000/s), each the moment a call
        // ends: slots are not left idle.
        let starts = (0..<10).flatMap { round in (0..<3).map { Duration.seconds(2 * round) + .milliseconds($0) } }
        #expect(simulation.placed.map(\.at) == starts)
    }

    @Test func aSlotWhoseCallNeverEndsIsGivenBackAfterItsExpiry() {
        var simulation = Simulation(.init(globalRate: 1000, globalMaxConcurrentCalls: 2, slotExpiry: .seconds(10)),
                                    campaigns: [Simulation.campaign(1)], due: [1: 10])
        simulation.callLength = .seconds(100_000)
        simulation.run(for: .seconds(9))
        #expect(simulation.placed.count == 2)
        simulation.run(for: .seconds(2))
        #expect(simulation.notices.contains(.slotExpired(attemptID: 1)))
        #expect(simulation.notices.contains(.slotExpired(attemptID: 2)))
        #expect(simulation.placed.count == 4)
        #expect(simulation.placed.suffix(2).map(\.at) == [.seconds(10), .milliseconds(10_001)])
    }

    @Test func backPressureHalvesTheTrunkRateAndRecoversItStepByStep() {
        var simulation = Simulation(
            .init(globalRate: 100, globalMaxConcurrentCalls: 0, trunks: [SIPTrunk(name: "carrier", host: "127.0.0.1")]),
            campaigns: [Simulation.campaign(1)], due: [1: 100_000])
        // Calls 1-3 get 503 (one halving per 503: 50, 25, 12.5), then every call succeeds.
        simulation.endCode = { $0 <= 3 ? (503, nil) : (200, nil) }
        simulation.run(for: .seconds(1))
        let rates = simulation.notices.compactMap { notice -> Double? in
            if case .trunkRateChanged(let trunk, let rate, _) = notice, trunk == "carrier" { return rate }
            return nil
        }
        #expect(rates == [50, 25, 12.5])
        simulation.notices.removeAll()
        let before = simulation.placed.count
        simulation.run(for: .seconds(9))
        // Throttled to 12.5/s for the 9 s before the first quiet interval ends.
        #expect((111...114).contains(simulation.placed.count - before))
        simulation.run(for: .seconds(100))
        let raised = simulation.notices.compactMap { notice -> Double? in
            if case .trunkRateChanged(_, let rate, _) = notice { return rate }
            return nil
        }
        // One tenth of the global rate back per quiet 10 s, until the throttle is gone.
        #expect(raised == [22.5, 32.5, 42.5, 52.5, 62.5, 72.5, 82.5, 92.5, 100])
        let lastTen = simulation.placed.filter { $0.at >= .seconds(100) && $0.at < .seconds(110) }.count
        #expect(lastTen == 1000)
    }

    @Test func retryAfterOnA503PausesTheTrunkUntilThen() {
        var simulation = Simulation(
            .init(globalRate: 10, globalMaxConcurrentCalls: 0, trunks: [SIPTrunk(name: "carrier", host: "127.0.0.1")]),
            campaigns: [Simulation.campaign(1)], due: [1: 10_000])
        simulation.endCode = { $0 == 1 ? (503, .seconds(30)) : (200, nil) }
        simulation.run(for: .seconds(30))
        let firstEnd = Duration.milliseconds(100)
        let pausedUntil = firstEnd + .seconds(30)
        #expect(simulation.notices.contains(.trunkPaused(trunk: "carrier", until: .init(offset: pausedUntil))))
        // The calls claimed before the 503 came back, then nothing until the pause ends.
        #expect(simulation.placed.allSatisfy { $0.at <= firstEnd })
        simulation.run(for: .seconds(2))
        #expect(simulation.placed.contains { $0.at >= pausedUntil })
    }

    @Test func aPausedCampaignIsNotClaimedFromAfterTheNextRefreshAndResumes() {
        var simulation = Simulation(.init(globalRate: 1000, globalMaxConcurrentCalls: 0, refreshInterval: .seconds(1)),
                                    campaigns: [Simulation.campaign(1, rate: 10)], due: [1: 10_000])
        simulation.run(for: .milliseconds(2500))
        // Paused: the store no longer lists it as active.
        simulation.active = []
        simulation.run(for: .seconds(1))
        let atPause = simulation.placed.count
        simulation.run(for: .seconds(10))
        #expect(simulation.placed.count == atPause)
        #expect(simulation.placed.allSatisfy { $0.at < .milliseconds(3500) })
        simulation.active = [Simulation.campaign(1, rate: 10)]
        simulation.run(for: .seconds(3))
        #expect(simulation.placed.count > atPause + 10)
    }

    @Test func workArrivingByWakeUpIsClaimedAtOnce() {
        var simulation = Simulation(.init(globalRate: 1000, globalMaxConcurrentCalls: 0, refreshInterval: .seconds(3600)),
                                    campaigns: [Simulation.campaign(1)], due: [1: 1])
        simulation.run(for: .seconds(5))
        #expect(simulation.placed.count == 1)
        // Nothing to do: asleep until the next refresh, an hour away.
        guard case .sleep(let until, .idle) = simulation.machine.nextAction(now: simulation.now, mediaCapacity: nil) else {
            Issue.record("expected an idle sleep")
            return
        }
        #expect(until == .init(offset: .seconds(3600)))
        simulation.active.append(Simulation.campaign(2))
        simulation.due[2] = 1
        simulation.machine.workArrived(now: simulation.now)
        #expect(simulation.machine.nextAction(now: simulation.now, mediaCapacity: nil) == .refreshCampaigns)
        simulation.machine.campaignsLoaded(simulation.active, now: simulation.now)
        let signalledAt = simulation.now
        simulation.run(for: .milliseconds(1))
        #expect(simulation.placed.last == .init(campaignKey: 2, at: signalledAt.offset))
    }

    @Test func onceModeFinishesWhenNothingIsLeftAndNoCallIsUp() {
        var simulation = Simulation(.init(globalRate: 1000, globalMaxConcurrentCalls: 0, once: true),
                                    campaigns: [Simulation.campaign(1)], due: [1: 5])
        simulation.callLength = .seconds(3)
        simulation.run(for: .seconds(60))
        #expect(simulation.finished)
        #expect(simulation.placed.count == 5)
        // It asked about later work only once every call had ended.
        #expect(simulation.now >= .init(offset: .seconds(3)))
        #expect(simulation.actions.contains(.checkForLaterWork(blockedUntil: nil)))
    }

    @Test func onceModeWaitsWhileLaterWorkIsDue() {
        var simulation = Simulation(.init(globalRate: 1000, globalMaxConcurrentCalls: 0, once: true),
                                    campaigns: [Simulation.campaign(1)], due: [1: 1])
        simulation.laterWork = true
        simulation.run(for: .seconds(10))
        #expect(!simulation.finished)
        // The retry falls due: it is claimed at the next refresh.
        simulation.due[1] = 1
        simulation.laterWork = false
        simulation.run(for: .seconds(10))
        #expect(simulation.placed.count == 2)
        #expect(simulation.finished)
    }

    @Test func onceModeDoesNotWaitForAPausedTrunkWithoutWorkBeforeTheEnd() {
        var simulation = Simulation(
            .init(globalRate: 1, globalMaxConcurrentCalls: 0, trunks: [SIPTrunk(name: "carrier", host: "127.0.0.1")], once: true),
            campaigns: [Simulation.campaign(1)], due: [1: 3])
        simulation.endCode = { _ in (503, .seconds(30)) }
        simulation.run(for: .seconds(60))
        #expect(simulation.placed.count == 1)
        #expect(simulation.finished)
        // It asked with the pause's end, 30 s after the 503 at 0.1 s.
        #expect(simulation.checkedBlockedUntil == .init(offset: .milliseconds(30_100)))
        #expect(simulation.now < .init(offset: .seconds(30)))
    }

    @Test func stoppingDrainsLiveCallsThenHangsUpTheRest() {
        var simulation = Simulation(.init(globalRate: 1000, globalMaxConcurrentCalls: 0),
                                    campaigns: [Simulation.campaign(1)], due: [1: 3])
        simulation.callLength = .seconds(100)
        simulation.run(for: .seconds(1))
        #expect(simulation.live.count == 3)
        simulation.machine.stopRequested(now: simulation.now, drainTimeout: .seconds(5))
        simulation.due[1] = 100
        let stoppedAt = simulation.now
        #expect(simulation.machine.nextAction(now: stoppedAt, mediaCapacity: nil) == .sleep(until: stoppedAt.advanced(by: .seconds(5)), reason: .draining))
        #expect(simulation.machine.nextAction(now: stoppedAt.advanced(by: .seconds(5)), mediaCapacity: nil) == .hangUpRemaining)
        #expect(simulation.machine.nextAction(now: stoppedAt.advanced(by: .seconds(5)), mediaCapacity: nil) == .finish)
        #expect(simulation.placed.count == 3)
    }

    @Test func noCallStartsWhileTheCDRFilesCannotBeWritten() {
        var simulation = Simulation(.init(globalRate: 10, globalMaxConcurrentCalls: 0), campaigns: [Simulation.campaign(1)], due: [1: 1000])
        simulation.run(for: .seconds(2))
        let before = simulation.placed.count
        simulation.recordingBlocked = true
        simulation.run(for: .seconds(5))
        #expect(simulation.placed.count == before)
        // Written again: dialing goes on at the campaign's rate, with no burst for the time lost.
        simulation.recordingBlocked = false
        simulation.run(for: .seconds(2))
        #expect((19...21).contains(simulation.placed.count - before))
    }

    @Test func campaignsOfATrunkWithoutARegistrationWaitWhileOthersDial() {
        var simulation = Simulation(
            .init(globalRate: 100, globalMaxConcurrentCalls: 0,
                  trunks: [SIPTrunk(name: "pbx", host: "127.0.0.1", register: true), SIPTrunk(name: "carrier", host: "127.0.0.1")]),
            campaigns: [Simulation.campaign(1, rate: 10, trunk: "pbx"), Simulation.campaign(2, rate: 10, trunk: "carrier")],
            due: [1: 1000, 2: 1000])
        simulation.unreadyTrunks = ["pbx"]
        simulation.run(for: .seconds(3))
        #expect(simulation.count(1) == 0)
        #expect(simulation.count(2) == 30)
        // Registered: its campaign dials at its rate from then on.
        simulation.unreadyTrunks = []
        simulation.run(for: .seconds(3))
        #expect((29...31).contains(simulation.count(1)))
    }

    static let registeringTrunks = [SIPTrunk(name: "pbx", host: "127.0.0.1", register: true), SIPTrunk(name: "carrier", host: "127.0.0.1")]

    @Test func onceModeWaitsForARegisteringTrunkUntilItsRegistrationFails() {
        var simulation = Simulation(
            .init(globalRate: 100, globalMaxConcurrentCalls: 0, trunks: Self.registeringTrunks, once: true),
            campaigns: [Simulation.campaign(1, rate: 10, trunk: "pbx"), Simulation.campaign(2, rate: 10, trunk: "carrier")],
            due: [1: 5, 2: 5])
        // Still registering (no answer yet): the run waits for it; the other trunk's campaign is done meanwhile.
        simulation.unreadyTrunks = ["pbx"]
        simulation.run(for: .seconds(30))
        #expect(!simulation.finished)
        #expect(simulation.count(1) == 0 && simulation.count(2) == 5)
        #expect(simulation.machine.trunksGivenUp.isEmpty)
        // The registrar refused it: nothing else can be dialed, so the run ends with its contacts still due.
        simulation.failedTrunks = ["pbx"]
        let failedAt = simulation.now
        simulation.run(for: .seconds(30))
        #expect(simulation.finished)
        #expect(simulation.now < failedAt.advanced(by: .seconds(2)))
        #expect(simulation.count(1) == 0 && simulation.due[1] == 5)
        #expect(simulation.machine.trunksGivenUp == ["pbx"])
    }

    @Test func onceModeDialsTheOtherTrunksCampaignsBeforeEndingWithoutAFailedOne() {
        var simulation = Simulation(
            .init(globalRate: 100, globalMaxConcurrentCalls: 0, trunks: Self.registeringTrunks, once: true),
            campaigns: [Simulation.campaign(1, rate: 10, trunk: "pbx"), Simulation.campaign(2, rate: 10, trunk: "carrier")],
            due: [1: 5, 2: 50])
        simulation.unreadyTrunks = ["pbx"]
        simulation.failedTrunks = ["pbx"]
        simulation.run(for: .seconds(60))
        #expect(simulation.finished)
        #expect(simulation.count(2) == 50)
        #expect(simulation.count(1) == 0)
        #expect(simulation.now >= .init(offset: .milliseconds(4_900)), "the other campaign's 50 calls at 10/s came first")
        #expect(simulation.machine.trunksGivenUp == ["pbx"])
    }

    @Test func stoppingWithNoCallUpFinishesAtOnce() {
        var machine = DispatchStateMachine<ManualClock>(configuration: .init(globalRate: 10, globalMaxConcurrentCalls: 0))
        let zero = ManualClock.Instant(offset: .zero)
        machine.stopRequested(now: zero, drainTimeout: .seconds(30))
        #expect(machine.nextAction(now: zero, mediaCapacity: nil) == .finish)
    }

    @Test func callsWithMediaWaitForRTPPortsWhileOthersGoOn() {
        var simulation = Simulation(.init(globalRate: 1000, globalMaxConcurrentCalls: 0),
                                    campaigns: [Simulation.campaign(1, detection: .detect), Simulation.campaign(2)],
                                    due: [1: 10, 2: 10])
        simulation.mediaCapacity = 0
        simulation.run(for: .seconds(1))
        #expect(simulation.count(1) == 0)
        #expect(simulation.count(2) == 10)
        #expect(simulation.notices.filter { $0 == .waitingForMediaPorts }.count == 1)
        // Four ports free (the other calls keep theirs): four calls with media, no more.
        simulation.mediaCapacity = 4
        simulation.callLength = .seconds(100)
        simulation.run(for: .seconds(1))
        #expect(simulation.count(1) == 4)
        #expect(simulation.mediaCapacity == 0)
    }

    @Test func aCampaignWhoseContactsAreAllFinishedIsNotClaimedFromUntilARefreshFindsSome() {
        var machine = DispatchStateMachine<ManualClock>(configuration: .init(globalRate: 1000, globalMaxConcurrentCalls: 0))
        let zero = ManualClock.Instant(offset: .zero)
        var finished = Simulation.campaign(1)
        finished.hasQueuedContacts = false
        #expect(machine.nextAction(now: zero, mediaCapacity: nil) == .refreshCampaigns)
        machine.campaignsLoaded([finished, Simulation.campaign(2)], now: zero)
        // Only campaign 2 is asked; once it has nothing due either, the dispatcher sleeps until the refresh.
        #expect(machine.nextAction(now: zero, mediaCapacity: nil) == .claim(.init(campaignKey: 2, trunk: nil, limit: 1, after: 0)))
        machine.claimed(.init(campaignKey: 2, trunk: nil, limit: 1, after: 0), attemptIDs: [], cursor: 0, exhausted: true, now: zero)
        let second = zero.advanced(by: .seconds(1))
        #expect(machine.nextAction(now: zero, mediaCapacity: nil) == .sleep(until: second, reason: .idle))
        #expect(machine.nextAction(now: second, mediaCapacity: nil) == .refreshCampaigns)
        var done = Simulation.campaign(2)
        done.hasQueuedContacts = false
        machine.campaignsLoaded([finished, done], now: second)
        #expect(machine.nextAction(now: second, mediaCapacity: nil) == .sleep(until: second.advanced(by: .seconds(1)), reason: .idle))
        // Contacts added to campaign 1 (a signal): the refresh reads them and it is claimed from.
        let added = second.advanced(by: .milliseconds(300))
        machine.workArrived(now: added)
        #expect(machine.nextAction(now: added, mediaCapacity: nil) == .refreshCampaigns)
        machine.campaignsLoaded([Simulation.campaign(1), done], now: added)
        guard case .claim(let claim) = machine.nextAction(now: added, mediaCapacity: nil) else {
            Issue.record("campaign 1 is not claimed from")
            return
        }
        #expect(claim.campaignKey == 1)
    }

    @Test func onceModeWithEveryContactFinishedAsksAboutLaterWorkWithoutAClaim() {
        var simulation = Simulation(.init(globalRate: 1000, globalMaxConcurrentCalls: 0, once: true), campaigns: [], due: [:])
        for key: Int64 in [1, 2] {
            var campaign = Simulation.campaign(key)
            campaign.hasQueuedContacts = false
            simulation.active.append(campaign)
        }
        simulation.run(for: .seconds(5))
        #expect(simulation.finished)
        #expect(simulation.actions == [.refreshCampaigns, .checkForLaterWork(blockedUntil: nil), .finish])
    }
}
