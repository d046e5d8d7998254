import Foundation
import Telephony
import Testing
@testable import Scheduler

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy(maxRetryNo: 2, retryIntervalSec: 300, retryOn: RetryClass.allCases)

    @Test(arguments: [
        (ScriptedDialer.busy, 1, RetryPolicy.Decision.retry(afterSeconds: 300)),
        (ScriptedDialer.busy, 2, .retry(afterSeconds: 300)),
        (ScriptedDialer.busy, 3, .final(.failed)),
        (ScriptedDialer.noAnswer, 1, .retry(afterSeconds: 300)),
        (CallOutcome.failed(sipCode: 503, reason: nil), 1, .retry(afterSeconds: 300)),
        (CallOutcome(status: .failed, reasonCode: .error, reason: "timeout"), 1, .retry(afterSeconds: 300)),
        (ScriptedDialer.declined, 1, .final(.failed)),
        (CallOutcome.failed(sipCode: 404, reason: nil), 1, .final(.failed)),
        (ScriptedDialer.answered, 1, .final(.done)),
        (CallOutcome(status: .completed, reasonCode: .machineDetected), 1, .final(.done)),
        (CallOutcome(status: .failed, reasonCode: .interrupted), 1, .final(.interrupted)),
        // A person reached and put through, or left waiting for an agent, is never called again by itself.
        (CallOutcome(status: .completed, reasonCode: .transferred), 1, .final(.done)),
        (CallOutcome(status: .completed, reasonCode: .agentDisconnected), 1, .final(.done)),
        (CallOutcome(status: .completed, reasonCode: .abandoned), 1, .final(.done)),
        (CallOutcome(status: .failed, reasonCode: .abandoned, sipCode: 486), 1, .final(.done)),
    ])
    func decisions(outcome: CallOutcome, attempts: Int, expected: RetryPolicy.Decision) {
        #expect(policy.decide(outcome, attemptsMade: attempts) == expected)
    }

    @Test func retryOnLimitsTheClasses() {
        let onlyBusy = RetryPolicy(maxRetryNo: 5, retryIntervalSec: 60, retryOn: [.busy])
        #expect(onlyBusy.decide(ScriptedDialer.busy, attemptsMade: 1) == .retry(afterSeconds: 60))
        #expect(onlyBusy.decide(ScriptedDialer.noAnswer, attemptsMade: 1) == .final(.failed))
        #expect(RetryPolicy(maxRetryNo: 0, retryIntervalSec: 60, retryOn: [.busy]).decide(ScriptedDialer.busy, attemptsMade: 1) == .final(.failed))
    }
}

/// The dispatcher against a real store in a temp directory and a scripted dialer.
@Suite(.serialized) struct DispatcherTests {
    struct Fixture {
        let directory: TestDirectory
        let store: QueueWriter
        let cdr: CDRWriter

        init() async throws {
            directory = try TestDirectory()
            store = try QueueWriter(dataDirectory: directory.path + "/var")
            cdr = try CDRWriter(dataDirectory: directory.path + "/var")
        }

        func importCampaign(_ id: String, targets: [String], configure: (inout CampaignSettings) -> Void = { _ in }) throws {
            var settings = CampaignSettings()
            settings.dialoutLimitPerSecond = 1000
            settings.maxConcurrentCalls = 0
            settings.retryIntervalSec = 1
            settings.window.start = 0
            settings.window.end = 24 * 60
            configure(&settings)
            let local = try QueueStore(dataDirectory: directory.path + "/var")
            _ = try local.importCampaign(CampaignSpec(
                id: id, sourceFile: id, settings: settings,
                contacts: targets.enumerated().map { ContactSpec(target: $0.element, line: $0.offset + 2) },
                duplicateCount: 0, contentHash: id + targets.joined()))
        }

        func dispatcher(_ dialer: ScriptedDialer, rate: Double = 1000, maxConcurrent: Int = 0) -> Dispatcher<ContinuousClock> {
            Dispatcher(store: store, dialer: dialer, cdr: cdr, clock: ContinuousClock(), configuration: .init(
                globalRate: rate, globalMaxConcurrentCalls: maxConcurrent, defaultTimeZone: TimeZone(identifier: "UTC")!,
                refreshInterval: .milliseconds(100)))
        }

        func dispatcher(_ dialer: ScriptedDialer, clock: ManualClock, rate: Double = 1000) -> Dispatcher<ManualClock> {
            Dispatcher(store: store, dialer: dialer, cdr: cdr, clock: clock, configuration: .init(
                globalRate: rate, globalMaxConcurrentCalls: 0, defaultTimeZone: TimeZone(identifier: "UTC")!,
                refreshInterval: .milliseconds(100)))
        }

        func cdrLines() throws -> [[String: Any]] {
            try cdr.catchUp()
            let files = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/var/cdr")
            return try files.flatMap { file in
                try String(contentsOfFile: directory.path + "/var/cdr/" + file, encoding: .utf8)
                    .split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            }
        }

        func states() throws -> [String: String] {
            let local = try QueueStore(dataDirectory: directory.path + "/var")
            let query = try local.connection.prepare("SELECT target, state FROM contacts")
            var out: [String: String] = [:]
            while try query.step() { out[query.text(0) ?? ""] = query.text(1) }
            return out
        }
    }

    @Test func retriesFollowThePolicyAndEveryAttemptHasOneCDR() async throws {
        let fixture = try await Fixture()
        try fixture.importCampaign("spring", targets: ["+15550000001", "+15550000002", "+15550000003", "+15550000004"]) {
            $0.maxRetryNo = 2
        }
        let dialer = ScriptedDialer(script: [
            "+15550000001": [ScriptedDialer.busy, ScriptedDialer.busy, ScriptedDialer.busy],
            "+15550000002": [ScriptedDialer.noAnswer, ScriptedDialer.answered],
            "+15550000003": [ScriptedDialer.declined],
        ])
        let summary = try await fixture.dispatcher(dialer).run(.once(until: Date().addingTimeInterval(60)))
        #expect(dialer.attempts(of: "+15550000001") == 3)
        #expect(dialer.attempts(of: "+15550000002") == 2)
        #expect(dialer.attempts(of: "+15550000003") == 1)
        #expect(dialer.attempts(of: "+15550000004") == 1)
        #expect(try fixture.states() == ["+15550000001": "failed", "+15550000002": "done", "+15550000003": "failed", "+15550000004": "done"])
        #expect(summary.attempts == 7)
        #expect(summary.stillWaiting == 0)
        let cdrs = try fixture.cdrLines()
        #expect(cdrs.count == 7)
        #expect(cdrs.allSatisfy { $0["outboundCall"] as? Bool == true })
        #expect(Set(cdrs.compactMap { $0["cdrId"] as? String }).count == 7)
        let busy = cdrs.filter { $0["target"] as? String == "+15550000001" }.sorted { ($0["attempt"] as! Int) < ($1["attempt"] as! Int) }
        #expect(busy.map { $0["willRetry"] as? Bool } == [true, true, false])
        #expect(busy.map { $0["reasonCode"] as? String } == ["busy", "busy", "busy"])
        #expect(busy.first?["sipCode"] as? Int == 486)
        #expect(busy.first?["campaignId"] as? String == "spring")
    }

    @Test func onceWithoutUntilLeavesLaterRetriesWaiting() async throws {
        let fixture = try await Fixture()
        try fixture.importCampaign("later", targets: ["+15550000011"]) {
            $0.maxRetryNo = 3
            $0.retryIntervalSec = 600
        }
        let dialer = ScriptedDialer(script: ["+15550000011": [ScriptedDialer.busy]])
        let summary = try await fixture.dispatcher(dialer).run(.once(until: nil))
        #expect(dialer.attempts(of: "+15550000011") == 1)
        #expect(summary.stillWaiting == 1)
        #expect(try fixture.states()["+15550000011"] == "retry_wait")
    }

    @Test func twoCampaignsShareTheDialerFairly() async throws {
        let fixture = try await Fixture()
        let first = (0..<30).map { String(format: "+1555100%04d", $0) }
        let second = (0..<30).map { String(format: "+1555200%04d", $0) }
        try fixture.importCampaign("first", targets: first)
        try fixture.importCampaign("second", targets: second)
        let dialer = ScriptedDialer()
        // On a manual clock: the dispatcher's time moves only when it sleeps, so a loaded machine
        // cannot make it run late.
        let clock = ManualClock()
        let dispatcher = fixture.dispatcher(dialer, clock: clock, rate: 200)
        _ = try await runAdvancing(clock, step: .milliseconds(5)) { try await dispatcher.run(.once(until: nil)) }
        #expect(dialer.targets.count == 60)
        // The order the dispatcher claimed them in (attempt ids). Each call then starts in its own
        // task, so the order they reach the dialer also depends on how a busy pool runs tasks.
        let local = try QueueStore(dataDirectory: fixture.directory.path + "/var")
        let query = try local.connection.prepare("SELECT target FROM attempts ORDER BY id")
        var order: [String] = []
        while try query.step() { order.append(query.text(0) ?? "") }
        #expect(order.count == 60)
        // In any stretch of ten calls both campaigns get their turn, 4-6 each; an unfair dispatcher
        // gives 10-0 runs.
        for start in stride(from: 0, to: 50, by: 10) {
            let window = order[start..<start + 10]
            let fromFirst = window.filter { $0.hasPrefix("+1555100") }.count
            #expect((4...6).contains(fromFirst), "calls \(start)-\(start + 9): \(fromFirst) from the first campaign")
        }
    }

    @Test func aCallingWindowOpensAndClosesOnTheDispatchersClock() async throws {
        let fixture = try await Fixture()
        // The manual clock starts at 10:00:30 UTC today; the window is 10:01-10:02 UTC.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let today = calendar.startOfDay(for: Date())
        let clock = ManualClock(origin: today.addingTimeInterval(10 * 3600 + 30))
        let opens = today.addingTimeInterval(10 * 3600 + 60)
        try fixture.importCampaign("morning", targets: ["+15550000041", "+15550000042", "+15550000043"]) {
            $0.window.start = 10 * 60 + 1
            $0.window.end = 10 * 60 + 2
            // In UTC for everyone: +1 555 is in no area code of the time-zone table, so it would otherwise
            // be called only when the window is open in every zone of +1, which a one-minute window never is.
            $0.window.timezone = "UTC"
            // One call a minute: the first at the opening, the second would be at the closing.
            $0.dialoutLimitPerSecond = 1.0 / 60
        }
        let placedAt = Mailbox<Date>()
        let dialer = ScriptedDialer { _ in placedAt.post(clock.date(at: clock.now)) }
        let dispatcher = fixture.dispatcher(dialer, clock: clock)
        let summary = try await runAdvancing(clock, step: .milliseconds(500)) { try await dispatcher.run(.once(until: opens.addingTimeInterval(300))) }
        let placed = placedAt.drain()
        #expect(placed.count == 1)
        #expect(placed.allSatisfy { $0 >= opens && $0 < opens.addingTimeInterval(60) })
        // The other two wait for tomorrow's window.
        #expect(summary.stillWaiting == 2)
        #expect(try fixture.states().values.sorted() == ["done", "pending", "pending"])
    }

    @Test func concurrencyLimitsHold() async throws {
        let fixture = try await Fixture()
        try fixture.importCampaign("slow", targets: (0..<12).map { String(format: "+1555300%04d", $0) }) { $0.maxConcurrentCalls = 3 }
        let dialer = ScriptedDialer(callDuration: .milliseconds(60))
        _ = try await fixture.dispatcher(dialer, maxConcurrent: 0).run(.once(until: nil))
        #expect(dialer.targets.count == 12)
        #expect(dialer.peakConcurrency == 3)
        let global = try await Fixture()
        try global.importCampaign("a", targets: (0..<6).map { String(format: "+1555400%04d", $0) })
        try global.importCampaign("b", targets: (0..<6).map { String(format: "+1555500%04d", $0) })
        let both = ScriptedDialer(callDuration: .milliseconds(60))
        _ = try await global.dispatcher(both, maxConcurrent: 2).run(.once(until: nil))
        #expect(both.targets.count == 12)
        #expect(both.peakConcurrency == 2)
    }

    @Test func dncIsCheckedJustBeforeDialing() async throws {
        let fixture = try await Fixture()
        try fixture.importCampaign("dnc", targets: ["+15550000021", "+15550000022"])
        // Added after the import, behind the store's back as another process would.
        let local = try QueueStore(dataDirectory: fixture.directory.path + "/var")
        try local.connection.execute("INSERT INTO dnc (target, source, added_at) VALUES ('+15550000022', 'test', 'now')")
        let dialer = ScriptedDialer()
        _ = try await fixture.dispatcher(dialer).run(.once(until: nil))
        #expect(dialer.targets == ["+15550000021"])
        #expect(try fixture.states()["+15550000022"] == "skipped")
    }

    @Test func closedWindowsDeferContactsInsteadOfSkippingThem() async throws {
        let fixture = try await Fixture()
        try fixture.importCampaign("night", targets: ["+15550000031"]) {
            // A window that is never open now: one minute long, twelve hours away.
            let minutes = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date())
            let now = (minutes.hour ?? 0) * 60 + (minutes.minute ?? 0)
            $0.window.start = (now + 720) % 1439
            $0.window.end = $0.window.start + 1
        }
        let dialer = ScriptedDialer()
        let summary = try await fixture.dispatcher(dialer).run(.once(until: nil))
        #expect(dialer.targets.isEmpty)
        #expect(summary.stillWaiting == 1)
        #expect(try fixture.states()["+15550000031"] == "pending")
    }

    @Test func crashRecoveryRequeuesUnsentAndInterruptsSent() async throws {
        let fixture = try await Fixture()
        try fixture.importCampaign("crash", targets: ["+15550000041", "+15550000042"])
        let campaigns = try await fixture.store.activeCampaigns()
        let campaign = try #require(campaigns.first)
        let now = Timestamp.nowMs()
        let unsent = try #require(try await fixture.store.claimNext(campaign, now: now))
        let sent = try #require(try await fixture.store.claimNext(campaign, now: now))
        try await fixture.store.markInviteSent(attemptID: sent.attemptID, sipCallID: "call-x")
        _ = unsent
        // A new process on the same data directory.
        let restarted = try QueueStore(dataDirectory: fixture.directory.path + "/var")
        let interrupted = try restarted.recoverUnfinishedAttempts(now: now + 1000)
        #expect(interrupted.map(\.target) == ["+15550000042"])
        #expect(interrupted.first?.reasonCode == .interrupted)
        #expect(interrupted.first?.sipCallId == "call-x")
        #expect(try fixture.states() == ["+15550000041": "pending", "+15550000042": "interrupted"])
        #expect(try restarted.connection.scalarText("SELECT attempts FROM contacts WHERE id = 1") == "0")
        #expect(try restarted.connection.scalarText("SELECT COUNT(*) FROM attempts") == "1")
        // Interrupted contacts are never redialed by themselves, only on request.
        let dialer = ScriptedDialer()
        _ = try await fixture.dispatcher(dialer).run(.once(until: nil))
        #expect(dialer.targets == ["+15550000041"])
        #expect(try restarted.requeueInterrupted(campaignID: "crash") == 1)
        _ = try await fixture.dispatcher(dialer).run(.once(until: nil))
        #expect(dialer.targets == ["+15550000041", "+15550000042"])
    }

    @Test func aCallInterruptedByACrashGetsItsFinalWebhookAtTheRestart() async throws {
        let fixture = try await Fixture()
        try fixture.importCampaign("hooked", targets: ["+15550000061", "+15550000062"]) { settings in
            settings.notifyUrl = "http://127.0.0.1:9/hooks"
        }
        let campaign = try #require(try await fixture.store.activeCampaigns().first)
        let now = Timestamp.nowMs()
        let sent = try #require(try await fixture.store.claimNext(campaign, now: now))
        _ = try #require(try await fixture.store.claimNext(campaign, now: now))  // its INVITE never went out
        try await fixture.store.markInviteSent(attemptID: sent.attemptID, sipCallID: "call-z")
        let restarted = try QueueStore(dataDirectory: fixture.directory.path + "/var")
        let interrupted = try restarted.recoverUnfinishedAttempts(now: now + 1000)
        #expect(interrupted.map(\.target) == [sent.target])
        // One webhook: the interrupted call's `failed`, in campaignd's own shape; none for the call
        // that was never placed (it goes back to pending).
        let due = try restarted.dueNotifications(now: now + 2000, busy: [], limit: 10)
        #expect(due.map(\.event) == ["failed"])
        #expect(due.first?.attemptID == sent.attemptID && due.first?.url == "http://127.0.0.1:9/hooks")
        let body = try #require(try JSONSerialization.jsonObject(with: Data((due.first?.body ?? "").utf8)) as? [String: Any])
        #expect(body["reasonCode"] as? String == "interrupted" && body["target"] as? String == sent.target, "\(body)")
        #expect(body["status"] as? String == "failed" && body["reason"] as? String == "campaignd stopped during the call", "\(body)")
    }

    @Test func interruptedContactsOfACancelledOrUnknownCampaignAreNotRequeued() async throws {
        let fixture = try await Fixture()
        try fixture.importCampaign("stopped", targets: ["+15550000051"])
        let campaign = try #require(try await fixture.store.activeCampaigns().first)
        let claimed = try #require(try await fixture.store.claimNext(campaign, now: Timestamp.nowMs()))
        try await fixture.store.markInviteSent(attemptID: claimed.attemptID, sipCallID: "call-y")
        let restarted = try QueueStore(dataDirectory: fixture.directory.path + "/var")
        _ = try restarted.recoverUnfinishedAttempts(now: Timestamp.nowMs() + 1000)
        try restarted.apply(.cancel, to: "stopped")
        // The CLI's `requeue stopped --interrupted` and the API's requeue-interrupted both call this.
        #expect(throws: StoreError.self) { _ = try restarted.requeueInterrupted(campaignID: "stopped") }
        do {
            _ = try restarted.requeueInterrupted(campaignID: "stopped")
        } catch {
            #expect("\(error)" == "campaign \"stopped\" was cancelled and cannot be changed; import it under a new id")
        }
        #expect(try fixture.states() == ["+15550000051": "interrupted"])
        do {
            _ = try restarted.requeueInterrupted(campaignID: "nope")
            Issue.record("an unknown campaign was accepted")
        } catch {
            #expect("\(error)".hasPrefix("no campaign \"nope\""))
        }
    }

    @Test func eachCallIsRecordedAsPlacedBeforeItsInviteCanGoOut() async throws {
        let fixture = try await Fixture()
        try fixture.importCampaign("placed", targets: (1...20).map { "+1555000\(String(format: "%04d", $0))" })
        let dataDirectory = fixture.directory.path + "/var"
        // What another process (a restart after a crash) would see at the moment each call is placed.
        let seen = Mailbox<(callID: String?, committed: String?)>()
        let dialer = ScriptedDialer { request in
            let reader = try? QueueStore(dataDirectory: dataDirectory)
            let row = try? reader?.connection.scalarText(
                "SELECT sip_call_id FROM attempts WHERE invite_sent = 1 AND sip_call_id = '\(request.callID ?? "")'")
            seen.post((request.callID, row ?? nil))
        }
        _ = try await fixture.dispatcher(dialer).run(.once(until: nil))
        let placed = seen.drain()
        #expect(placed.count == 20)
        #expect(placed.allSatisfy { $0.callID != nil && $0.committed == $0.callID }, "\(placed)")
        #expect(Set(placed.compactMap(\.callID)).count == 20)
        // The CDRs name the calls by those Call-IDs.
        #expect(Set(try fixture.cdrLines().compactMap { $0["sipCallId"] as? String }) == Set(placed.compactMap(\.callID)))
    }

    @Test func writesMadeTogetherAreCommittedWhenTheyReturnAndFailAlone() async throws {
        let fixture = try await Fixture()
        try fixture.importCampaign("group", targets: (1...41).map { "+1555000\(String(format: "%04d", $0))" })
        let campaign = try #require(try await fixture.store.activeCampaigns().first)
        let now = Timestamp.nowMs()
        let store = fixture.store
        let dataDirectory = fixture.directory.path + "/var"
        // Forty claims at once: each is on disk (seen by another connection) as soon as it returns.
        let claims = try await withThrowingTaskGroup(of: ClaimedAttempt?.self) { group in
            for _ in 1...40 {
                group.addTask {
                    let claimed = try #require(try await store.claimNext(campaign, now: now))
                    let reader = try QueueStore(dataDirectory: dataDirectory)
                    let attempts = try reader.connection.scalarText("SELECT COUNT(*) FROM attempts WHERE contact_id = \(claimed.contactID)")
                    #expect(attempts == "1", "claim of contact \(claimed.contactID) not committed when it returned")
                    return claimed
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }.compactMap { $0 }
        }
        #expect(claims.count == 40)
        // Forty finishes and one that fails half-way (its attempt row does not exist), all together.
        let policy = RetryPolicy(maxRetryNo: 0, retryIntervalSec: 60, retryOn: [])
        let result = CallResult(outcome: ScriptedDialer.answered, sipCallID: "x", startTime: now, ringTime: nil,
                                connectTime: now, disconnectTime: now + 1000)
        var bogus = claims[0]
        bogus.contactID = 41
        bogus.attemptID = 999_999
        let outcomes = await withTaskGroup(of: (Int64, Bool).self) { group in
            for claimed in claims + [bogus] {
                group.addTask { (claimed.contactID, (try? await store.finish(claimed, result: result, policy: policy)) != nil) }
            }
            return await group.reduce(into: [Int64: Bool]()) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes.filter(\.value).count == 40)
        #expect(outcomes[41] == false)
        // The failed write left nothing behind; the others all count.
        let states = try fixture.states()
        #expect(states["+15550000041"] == "pending")
        #expect(states.values.filter { $0 == "done" }.count == 40)
    }

    @Test func stopDrainsLiveCalls() async throws {
        let fixture = try await Fixture()
        try fixture.importCampaign("long", targets: (0..<50).map { String(format: "+1555600%04d", $0) }) {
            $0.dialoutLimitPerSecond = 20
        }
        let dialer = ScriptedDialer(callDuration: .milliseconds(100))
        let stop = StopSignal()
        let dispatcher = fixture.dispatcher(dialer)
        async let summary = dispatcher.run(.untilStopped(stop, drainTimeout: .seconds(5)))
        try await Task.sleep(for: .milliseconds(500))
        stop.request()
        let result = try await summary
        // Stopped well before the 50 contacts were dialed, and every call started was recorded.
        #expect(dialer.targets.count < 50)
        #expect(result.attempts == dialer.targets.count)
        #expect(try fixture.cdrLines().count == dialer.targets.count)
        let states = try fixture.states()
        #expect(states.values.filter { $0 == "dialing" }.isEmpty)
    }

    @Test func stopDuringARunOnceDrainsAndHangsUpWhatIsLeft() async throws {
        // `run --once` under SIGTERM: no new claims, live calls get the drain time, then are hung up,
        // and every attempt started has its CDR.
        let fixture = try await Fixture()
        try fixture.importCampaign("cron", targets: (0..<50).map { String(format: "+1555610%04d", $0) }) {
            $0.dialoutLimitPerSecond = 20
        }
        let dialer = ScriptedDialer(callDuration: .seconds(30))
        let stop = StopSignal()
        let dispatcher = fixture.dispatcher(dialer)
        async let summary = dispatcher.run(.once(until: nil, stop: stop, drainTimeout: .milliseconds(200)))
        #expect(try await waitUntil(seconds: 20) { dialer.targets.count >= 3 }, "never started dialing")
        stop.request()
        let result = try await summary
        #expect(dialer.targets.count < 50)
        #expect(dialer.hangUps.count == dialer.targets.count, "every live call was hung up after the drain time")
        #expect(result.attempts == dialer.targets.count)
        #expect(try fixture.cdrLines().count == dialer.targets.count)
    }
}

@Suite(.serialized) struct MediaPortWaitTests {
    @Test func noMediaCallIsClaimedWhileEveryRTPPortIsInUse() async throws {
        let fixture = try await DispatcherTests.Fixture()
        try fixture.importCampaign("amd", targets: (0..<3).map { String(format: "+1555700%04d", $0) }) {
            $0.machineDetection = .detect
            $0.maxRetryNo = 0
        }
        try fixture.importCampaign("plain", targets: ["+15557100000"]) { $0.maxRetryNo = 0 }
        let dialer = ScriptedDialer()
        dialer.setMediaCapacity(0)
        let events = EventLog()
        let dispatcher = Dispatcher(
            store: fixture.store, dialer: dialer, cdr: fixture.cdr, clock: ContinuousClock(),
            configuration: .init(globalRate: 1000, globalMaxConcurrentCalls: 0, defaultTimeZone: TimeZone(identifier: "UTC")!,
                                 refreshInterval: .milliseconds(100)),
            onEvent: { events.add($0) })
        async let summary = dispatcher.run(.once(until: Date().addingTimeInterval(30)))
        // The call without media goes at once; the AMD campaign waits, and says so once.
        for _ in 0..<250 where dialer.targets.isEmpty || events.waitingForPorts == 0 { try await Task.sleep(for: .milliseconds(20)) }
        #expect(dialer.targets == ["+15557100000"])
        #expect(events.waitingForPorts == 1)
        dialer.setMediaCapacity(2)
        let result = try await summary
        #expect(result.attempts == 4)
        #expect(result.stillWaiting == 0)
        #expect(events.waitingForPorts == 1)
    }
}

@Suite(.serialized) struct BackPressureTests {
    @Test func serviceUnavailableHalvesTheTrunkRate() async throws {
        let fixture = try await DispatcherTests.Fixture()
        try fixture.importCampaign("bp", targets: (0..<6).map { String(format: "+1555900%04d", $0) }) {
            $0.trunk = "carrier"
            $0.maxRetryNo = 0
        }
        let unavailable = CallOutcome.failed(sipCode: 503, reason: "Service Unavailable")
        let dialer = ScriptedDialer(script: ["+15559000000": [unavailable], "+15559000001": [unavailable]])
        let events = EventLog()
        let dispatcher = Dispatcher(
            store: fixture.store, dialer: dialer, cdr: fixture.cdr, clock: ContinuousClock(),
            // Recovery (tested on the manual clock in DispatchStateMachineTests) is kept out of this run:
            // on a loaded machine the six calls can take longer than the default 10 s.
            configuration: .init(globalRate: 40, globalMaxConcurrentCalls: 1, trunks: [SIPTrunk(name: "carrier", host: "127.0.0.1")],
                                 defaultTimeZone: TimeZone(identifier: "UTC")!, refreshInterval: .milliseconds(100),
                                 recoveryInterval: .seconds(3600)),
            onEvent: { events.add($0) })
        _ = try await dispatcher.run(.once(until: nil))
        #expect(dialer.targets.count == 6)
        // Two 503s: 40 → 20 → 10 calls per second on that trunk.
        #expect(events.rates == [20, 10])
        let records = try fixture.cdrLines().filter { $0["sipCode"] as? Int == 503 }
        #expect(records.count == 2)
        #expect(records.allSatisfy { ($0["reason"] as? String)?.contains("trunk rate halved") == true })
    }

    @Test func a503WithRetryAfterPausesItsTrunkUntilThen() async throws {
        let fixture = try await DispatcherTests.Fixture()
        try fixture.importCampaign("pause", targets: (0..<3).map { String(format: "+1555910%04d", $0) }) {
            $0.trunk = "carrier"
            $0.maxRetryNo = 0
            $0.dialoutLimitPerSecond = 1
        }
        var unavailable = CallOutcome.failed(sipCode: 503, reason: "Service Unavailable")
        unavailable.retryAfter = 30
        let clock = ManualClock()
        let placedAt = Mailbox<Duration>()
        let dialer = ScriptedDialer(script: ["+15559100000": [unavailable]]) { _ in placedAt.post(clock.now.offset) }
        let paused = Mailbox<Date>()
        let dispatcher = Dispatcher(
            store: fixture.store, dialer: dialer, cdr: fixture.cdr, clock: clock,
            configuration: .init(globalRate: 100, globalMaxConcurrentCalls: 1, trunks: [SIPTrunk(name: "carrier", host: "127.0.0.1")],
                                 defaultTimeZone: TimeZone(identifier: "UTC")!, refreshInterval: .milliseconds(100)),
            onEvent: { event in if case .trunkPaused(_, let until) = event { paused.post(until) } })
        // `run --once --until` two minutes on: the pause ends before then, so the run waits for it.
        let until = clock.date(at: .init(offset: .seconds(120)))
        _ = try await runAdvancing(clock, step: .milliseconds(100)) { try await dispatcher.run(.once(until: until)) }
        let placed = placedAt.drain()
        #expect(placed.count == 3)
        // The 503 came back within a second (the call is one slot); nothing went to the trunk for 30 s after.
        let pausedUntil = try #require(paused.drain().first)
        #expect(placed[0] < .seconds(1))
        #expect(placed[1] >= .seconds(30))
        #expect(clock.date(at: .init(offset: placed[1])) >= pausedUntil)
    }
}

final class EventLog: @unchecked Sendable {
    // @unchecked Sendable: `lock` guards `rateChanges` and `portWaits`.
    private let lock = NSLock()
    private var rateChanges: [Double] = []
    private var portWaits = 0

    func add(_ event: Dispatcher<ContinuousClock>.Event) {
        if case .trunkRateChanged(_, let rate, _) = event { lock.withLock { rateChanges.append(rate) } }
        if case .waitingForMediaPorts = event { lock.withLock { portWaits += 1 } }
    }

    var rates: [Double] { lock.withLock { rateChanges } }
    var waitingForPorts: Int { lock.withLock { portWaits } }
}

@Suite(.serialized) struct CampaignControlWhileDialingTests {
    @Test func pauseAndResumeTakeEffectWithoutARestart() async throws {
        let fixture = try await DispatcherTests.Fixture()
        try fixture.importCampaign("live", targets: (0..<200).map { String(format: "+1555110%04d", $0) }) {
            $0.dialoutLimitPerSecond = 20
        }
        let dialer = ScriptedDialer()
        let stop = StopSignal()
        let dispatcher = fixture.dispatcher(dialer)
        async let summary = dispatcher.run(.untilStopped(stop, drainTimeout: .seconds(2)))
        let control = try QueueStore(dataDirectory: fixture.directory.path + "/var")
        // Bounded waits on conditions rather than fixed sleeps: the machine may be busy with other tests.
        // 60 s: in the whole suite on two cores this test has waited over 20 s for its first calls.
        #expect(try await waitUntil(seconds: 60) { dialer.targets.count >= 5 }, "never started dialing")
        try control.apply(.pause, to: "live")
        // The dispatcher reads campaign states every refresh (100 ms here, 1 s in the daemon): within
        // a few seconds dialing must stop for good (a full second without a new call).
        #expect(try await waitUntil(seconds: 10) { await quietFor(dialer, .seconds(1)) }, "kept dialing while paused")
        let atPause = dialer.targets.count
        try control.apply(.resume, to: "live")
        #expect(try await waitUntil(seconds: 60) { dialer.targets.count > atPause + 5 }, "did not resume")
        try control.apply(.cancel, to: "live")
        #expect(try await waitUntil(seconds: 10) { await quietFor(dialer, .seconds(1)) }, "kept dialing after cancel")
        stop.request()
        _ = try await summary
        // Counted once the run is over: a call claimed just before the cancel can reach the dialer after
        // a quiet second when the whole suite holds up the pool. Every contact was dialed or cancelled.
        #expect(try control.campaignStatuses().first?.count(.cancelled) == 200 - dialer.targets.count)
    }
}

/// Runs `body` (a dispatcher on `clock`), moving the clock on by `step` whenever something sleeps
/// on it, until `body` returns; bounded by 60 s of real time.
func runAdvancing<T: Sendable>(_ clock: ManualClock, step: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                if clock.sleeperCount > 0 { clock.advance(by: step) }
                try await Task.sleep(for: .microseconds(200))
            }
            Issue.record("the dispatcher did not finish within 60 s")
            return nil
        }
        defer { group.cancelAll() }
        while let result = try await group.next() {
            if let result { return result }
        }
        throw CancellationError()
    }
}

/// Polls `condition` every 50 ms for up to `seconds`; whether it became true.
func waitUntil(seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}

/// Whether the dialer placed no call during the next `quiet`.
func quietFor(_ dialer: ScriptedDialer, _ quiet: Duration) async -> Bool {
    let before = dialer.targets.count
    try? await Task.sleep(for: quiet)
    return dialer.targets.count == before
}
