import Foundation
import Testing
@testable import Scheduler

/// The queue writer's transactions go before an import's next chunk (within one process).
@Suite struct WriteTurnTests {
    // @unchecked Sendable: `condition` guards `events` and `open`.
    private final class Recorder: @unchecked Sendable {
        private let condition = NSCondition()
        private var events: [String] = []
        private var open = false
        func record(_ event: String) { condition.withLock { events.append(event) } }
        var recorded: [String] { condition.withLock { events } }
        /// Blocks the calling thread (a test thread, never the pool) until `release()`.
        func waitForRelease() {
            condition.lock()
            while !open { condition.wait() }
            condition.unlock()
        }
        func release() {
            condition.lock()
            open = true
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Polls (without holding a thread of the pool) until `condition` holds, at most 10 s.
    private func poll(_ condition: () -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while !condition(), Date() < deadline { try? await Task.sleep(for: .milliseconds(5)) }
        return condition()
    }

    @Test func aWriteWaitingDuringAChunkGoesBeforeTheNextChunk() async throws {
        let turn = WriteTurn()
        let recorder = Recorder()
        let importer = Thread {
            turn.importChunk {
                recorder.record("chunk 1 begins")
                recorder.waitForRelease()
                recorder.record("chunk 1 ends")
            }
            // Asked for at once: it still waits for the write that queued during chunk 1.
            turn.importChunk { recorder.record("chunk 2") }
        }
        importer.start()
        #expect(await poll { recorder.recorded == ["chunk 1 begins"] })
        let writer = Thread { turn.write { recorder.record("write") } }
        writer.start()
        #expect(await poll { turn.writersWaitingOrRunning == 1 })
        // The write has not run inside the chunk.
        #expect(recorder.recorded == ["chunk 1 begins"])
        recorder.release()
        #expect(await poll { recorder.recorded.count == 4 })
        #expect(recorder.recorded == ["chunk 1 begins", "chunk 1 ends", "write", "chunk 2"])
    }

    @Test func storesOfOneFileShareATurnAndOtherFilesHaveTheirOwn() throws {
        let one = try TestDirectory(), two = try TestDirectory()
        let first = try QueueStore(dataDirectory: one.path), again = try QueueStore(dataDirectory: one.path + "/.")
        let other = try QueueStore(dataDirectory: two.path)
        #expect(first.writeTurn === again.writeTurn)
        #expect(first.writeTurn !== other.writeTurn)
    }
}
