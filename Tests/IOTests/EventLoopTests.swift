import Foundation
import IO
import Testing

@Suite struct EventLoopTests {
    /// Collects what happened on a loop, in order.
    final class Journal: @unchecked Sendable {
        // @unchecked Sendable: `lock` guards `entries`.
        let lock = NSLock()
        var entries: [String] = []
        func add(_ entry: String) { lock.withLock { entries.append(entry) } }
        var all: [String] { lock.withLock { entries } }
    }

    @Test func runsWorkFromOtherThreadsOnItsOwnThreadInOrder() async throws {
        let loop = try EventLoop(name: "test-execute")
        defer { loop.shutdown() }
        let journal = Journal()
        await withTaskGroup(of: Void.self) { group in
            for producer in 0..<4 {
                group.addTask {
                    for index in 0..<250 {
                        loop.execute {
                            precondition(loop.inEventLoop)
                            journal.add("\(producer):\(index)")
                        }
                    }
                }
            }
        }
        let onLoop = await loop.submit { loop.inEventLoop }
        #expect(onLoop)
        #expect(!loop.inEventLoop)
        let entries = journal.all
        #expect(entries.count == 1_000)
        // Each producer's work runs in the order it was handed over.
        for producer in 0..<4 {
            let mine = entries.filter { $0.hasPrefix("\(producer):") }
            #expect(mine == (0..<250).map { "\(producer):\($0)" })
        }
    }

    @Test func timersOnAManualClockFireInOrderWhenTimeMovesAndNotBefore() async throws {
        let clock = ManualLoopClock()
        let loop = try EventLoop(name: "test-timers", clock: clock)
        defer { loop.shutdown() }
        let journal = Journal()
        await loop.submit {
            loop.scheduleTimer(after: .milliseconds(30)) { journal.add("30") }
            let cancelled = loop.scheduleTimer(after: .milliseconds(20)) { journal.add("20") }
            loop.scheduleTimer(after: .milliseconds(10)) {
                journal.add("10")
                // A timer set by a timer: relative to the loop's time now.
                loop.scheduleTimer(after: .milliseconds(15)) { journal.add("25") }
            }
            loop.cancelTimer(cancelled)
        }
        await clock.advance(by: .milliseconds(9))
        #expect(journal.all.isEmpty)
        await clock.advance(by: .milliseconds(1))
        #expect(journal.all == ["10"])
        await clock.advance(by: .milliseconds(40))
        #expect(journal.all == ["10", "25", "30"])
        let left = await loop.submit { loop.scheduledTimerCount }
        #expect(left == 0)
    }

    @Test func realTimeTimersFireAfterTheirDelay() async throws {
        let loop = try EventLoop(name: "test-realtime")
        defer { loop.shutdown() }
        let (fired, continuation) = AsyncStream<Duration>.makeStream()
        await loop.submit {
            let start = loop.now
            loop.scheduleTimer(after: .milliseconds(25)) {
                continuation.yield(loop.now.duration(since: start))
                continuation.finish()
            }
        }
        var elapsed: Duration?
        for await value in fired { elapsed = value }
        #expect(try #require(elapsed) >= .milliseconds(25))
    }

    @Test func groupHandsOutLoopsInTurn() throws {
        let group = try EventLoopGroup(threads: 3, name: "test-group")
        defer { group.shutdown() }
        let names = (0..<6).map { _ in group.next().name }
        #expect(names == ["test-group-0", "test-group-1", "test-group-2", "test-group-0", "test-group-1", "test-group-2"])
    }

    /// What `top -H` and `/proc/PID/task/*/comm` show for a loop's thread (Linux keeps 15 bytes).
    @Test func aLoopsThreadCarriesItsNameForTheSystem() async throws {
        let group = try EventLoopGroup(threads: 2)
        defer { group.shutdown() }
        let webhooks = try EventLoop(name: "campaignd-webhooks")
        defer { webhooks.shutdown() }
        func systemName(_ loop: EventLoop) async -> String {
            await loop.submit {
                let path = "/proc/thread-self/comm"
                return ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        #expect(await systemName(group.loops[0]) == "campaignd-io-0")
        #expect(await systemName(group.loops[1]) == "campaignd-io-1")
        #expect(await systemName(webhooks) == "webhooks")
    }

    /// `runtime.realtimePriority`: a loop asks for SCHED_RR before it runs anything and says what the
    /// kernel answered; a thread it starts (a worker pool's, say) does not inherit the policy.
    @Test func aRealtimeLoopRunsRoundRobinAndTheThreadsItStartsDoNot() async throws {
        let permitted = SchedulingPermission.mayUseRealtime(priority: 3)
        let group = try EventLoopGroup(threads: 2, name: "rt-test", realtimePriority: 3)
        defer { group.shutdown() }
        let plain = try EventLoop(name: "plain-test")
        defer { plain.shutdown() }
        for loop in group.loops {
            let (policy, priority, childPolicy) = await loop.submit { () -> (Int32, Int32, Int32) in
                var parameters = sched_param()
                _ = sched_getparam(0, &parameters)
                let child = ChildPolicy()
                Thread { child.record(sched_getscheduler(0)) }.start()
                let seen = child.wait()
                return (sched_getscheduler(0), parameters.sched_priority, seen)
            }
            let resetOnFork: Int32 = 0x4000_0000
            if permitted {
                #expect(loop.scheduling == .realtime(priority: 3))
                #expect(policy == SCHED_RR | resetOnFork)
                #expect(priority == 3)
            } else {
                #expect(loop.scheduling == .refused(priority: 3, errno: EPERM))
                #expect(policy == SCHED_OTHER)
            }
            #expect(childPolicy == SCHED_OTHER, "a thread started by a real-time loop runs time-shared")
        }
        #expect(plain.scheduling == .normal)
        #expect(await plain.submit { sched_getscheduler(0) } == SCHED_OTHER)
    }
}

/// The scheduling policy a new thread reports, handed to the thread that started it.
final class ChildPolicy: @unchecked Sendable {
    // @unchecked Sendable: `condition` guards `policy`.
    private let condition = NSCondition()
    private var policy: Int32?
    func record(_ value: Int32) { condition.withLock { policy = value; condition.broadcast() } }
    func wait() -> Int32 { condition.withLock { while policy == nil { condition.wait() }; return policy! } }
}

/// Whether this process may put a thread on SCHED_RR: CAP_SYS_NICE in its effective set, or an
/// RLIMIT_RTPRIO at least the priority.
enum SchedulingPermission {
    static func mayUseRealtime(priority: Int) -> Bool {
        var limit = rlimit()
        if getrlimit(__rlimit_resource_t(__RLIMIT_RTPRIO.rawValue), &limit) == 0, limit.rlim_cur >= rlim_t(priority) { return true }
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapEff:") }),
              let mask = UInt64(line.dropFirst(7).trimmingCharacters(in: .whitespaces), radix: 16) else { return false }
        return mask & (1 << 23) != 0  // CAP_SYS_NICE
    }
}
