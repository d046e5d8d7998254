import Foundation

/// Who writes next to one database file among the connections of this process: the queue's writer
/// (claims, finished calls) goes before an import's next chunk.
///
/// Both wait for SQLite's write lock with its busy handler, which sleeps up to 100 ms between
/// tries; an import leaves only a short gap between chunks, which a sleeping writer often misses,
/// and dialing stalled for most of a second at a time during a big import (BENCHMARKS.md). Here a
/// write waits at most for the chunk in progress, and is woken as soon as it ends. Writers in other
/// processes (a `campaignd import` beside the daemon) still rely on the busy handler and the gap.
// @unchecked Sendable: `writers` and `importing` are read and written only while holding `condition`.
final class WriteTurn: @unchecked Sendable {
    private let condition = NSCondition()
    /// Writes waiting for a chunk to end, or running.
    private var writers = 0
    private var importing = false

    // nonisolated(unsafe): `registryLock` guards `registry`.
    nonisolated(unsafe) private static var registry: [String: WriteTurn] = [:]
    private static let registryLock = NSLock()

    /// The turn of the database at `path` (one per file, for the life of the process).
    static func of(databaseAt path: String) -> WriteTurn {
        let key = (path as NSString).standardizingPath
        return registryLock.withLock {
            if let turn = registry[key] { return turn }
            let turn = WriteTurn()
            registry[key] = turn
            return turn
        }
    }

    /// Runs a write of the queue's writer: after the import chunk in progress, if any; no chunk
    /// begins until it is done.
    func write<T>(_ body: () throws -> T) rethrows -> T {
        condition.lock()
        writers += 1
        while importing { condition.wait() }
        condition.unlock()
        defer {
            condition.lock()
            writers -= 1
            condition.broadcast()
            condition.unlock()
        }
        return try body()
    }

    /// Writes waiting or running now (tests wait for a writer to be queued).
    var writersWaitingOrRunning: Int {
        condition.lock()
        defer { condition.unlock() }
        return writers
    }

    /// Runs one chunk of an import once no write is waiting or running. Not reentrant.
    func importChunk<T>(_ body: () throws -> T) rethrows -> T {
        condition.lock()
        while importing || writers > 0 { condition.wait() }
        importing = true
        condition.unlock()
        defer {
            condition.lock()
            importing = false
            condition.broadcast()
            condition.unlock()
        }
        return try body()
    }
}
