import Foundation

/// A serial executor that runs every job on one dedicated thread, for actors whose work blocks
/// (sqlite3_step): they must not occupy the shared cooperative pool. `shutdown()` ends the thread
/// once the jobs already queued have run.
// @unchecked Sendable: `condition` guards `jobs` and `stopping`.
final class ThreadExecutor: SerialExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopping = false

    init(name: String) {
        // The thread holds the executor until `shutdown()` lets it finish.
        let thread = Thread { self.runLoop() }
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let unownedJob = UnownedJob(job)
        condition.lock()
        jobs.append(unownedJob)
        condition.signal()
        condition.unlock()
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    func shutdown() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func runLoop() {
        var running: [UnownedJob] = []
        while true {
            condition.lock()
            while jobs.isEmpty, !stopping { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            // Everything queued is taken at once (in order); what arrives meanwhile runs next round.
            swap(&running, &jobs)
            condition.unlock()
            for job in running { job.runSynchronously(on: asUnownedSerialExecutor()) }
            running.removeAll(keepingCapacity: true)
        }
    }
}
