import Foundation
import Testing
@testable import Scheduler

@Suite struct WorkSignalTests {
    @Test func aSignalSentBeforeTheSleepEndsItAtOnceAndIsConsumed() async throws {
        let clock = ManualClock()
        let signal = WorkSignal()
        signal.signal()
        signal.signal()
        let fired = try await clock.sleep(until: clock.now.advanced(by: .seconds(3600)), wakingOn: [signal])
        #expect(fired.count == 1)
        // Signals do not queue: the two above woke one sleep.
        #expect(signal.consume() == false)
    }

    @Test func aSignalWakesASleepingTaskBeforeItsDeadline() async throws {
        let clock = ManualClock()
        let signal = WorkSignal()
        let other = WorkSignal()
        async let fired = clock.sleep(until: clock.now.advanced(by: .seconds(3600)), wakingOn: [other, signal])
        // Wait for the sleep to be in place (the clock has a sleeper), then signal.
        while clock.sleeperCount == 0 { await Task.yield() }
        signal.signal()
        let result = try await fired
        #expect(result.count == 1 && result.first === signal)
        // The clock's sleeper was cancelled with the race, not left behind.
        #expect(clock.sleeperCount == 0)
    }

    @Test func theDeadlineEndsTheSleepWithNoSignal() async throws {
        let clock = ManualClock()
        let signal = WorkSignal()
        async let fired = clock.sleep(until: clock.now.advanced(by: .seconds(5)), wakingOn: [signal])
        while clock.sleeperCount == 0 { await Task.yield() }
        clock.advance(by: .seconds(5))
        #expect(try await fired.isEmpty)
        // A later signal is kept for the next sleep.
        signal.signal()
        #expect(signal.consume())
    }
}

@Suite(.serialized) struct DispatcherWakeUpTests {
    @Test func workSignalledAfterImportIsDialedWithoutWaitingForTheNextRefresh() async throws {
        let fixture = try await DispatcherTests.Fixture()
        try fixture.importCampaign("first", targets: ["+15551200001"])
        let dialer = ScriptedDialer()
        let stop = StopSignal()
        let work = WorkSignal()
        // Campaigns are read again only once an hour: without the signal the second campaign would wait.
        let dispatcher = Dispatcher(
            store: fixture.store, dialer: dialer, cdr: fixture.cdr, clock: ContinuousClock(),
            configuration: .init(globalRate: 1000, globalMaxConcurrentCalls: 0, defaultTimeZone: TimeZone(identifier: "UTC")!,
                                 refreshInterval: .seconds(3600)),
            work: work)
        async let summary = dispatcher.run(.untilStopped(stop, drainTimeout: .seconds(2)))
        #expect(try await waitUntil(seconds: 60) { dialer.targets.count == 1 }, "the first campaign was never dialed")
        try fixture.importCampaign("second", targets: ["+15551200002"])
        work.signal()
        #expect(try await waitUntil(seconds: 60) { dialer.targets.contains("+15551200002") }, "signalled work was not dialed")
        stop.request()
        work.signal()
        _ = try await summary
    }
}
