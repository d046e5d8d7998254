import Foundation
import Glibc

/// Writes the CDR files from the database: every finished attempt has a sequence number
/// (`cdr_seq`, given in the transaction that finishes it), and the files hold the attempts in that
/// order, one JSON line each, every line carrying its number. Nothing is appended beside a commit,
/// so no crash or full disk can lose or double a line:
///
/// - At start-up, and after any failed write, the writer cuts a torn last line off every file and
///   reads the number on each file's last complete line; it goes on after the highest of those and
///   of the mark kept in the database (so files logrotate moved away are not written again).
/// - It then appends every finished attempt numbered after that, in order. A line goes into the
///   file of its call's UTC end day, or of the day it last wrote if that is later: reading the files
///   in name order, then line by line, gives the sequence order (`campaignd cdr` does).
/// - While a write fails (a full disk), or while the directory has less than
///   `minimumFreeBytes` free, `isBlocked` is true: the dispatcher claims no new call, and the writer
///   tries again every `retryInterval` until it can write, then carries on where it stopped.
///
/// Files and the database are touched on the writer's own thread (`start()`), or by `catchUp()`
/// from the caller's thread: never on the shared cooperative pool.
// @unchecked Sendable: `ioLock` guards `file`, `store`, `writtenThrough`, `savedThrough` and `lastDay`;
// `progressLock` guards `progressStore`; `stateLock` guards `blockedReason`, `linesWhileBlocked`, `nudged`, `stopped`,
// `threadStarted`, `threadEnded` and `waiters`.
public final class CDRWriter: @unchecked Sendable {
    public struct Settings: Sendable {
        /// Records read from the database and written per step.
        public var batchSize: Int
        /// How often a blocked writer tries again.
        public var retryInterval: Duration
        /// How often the writer looks at the database without being nudged.
        public var pollInterval: Duration
        /// Below this much free space in the CDR directory, dialing pauses (lines are still written).
        public var minimumFreeBytes: Int64
        /// How often the writer thread tells the database how far the files go (in ms of `now`).
        public var progressIntervalMs: Int64

        public init(batchSize: Int = 512, retryInterval: Duration = .milliseconds(500), pollInterval: Duration = .seconds(1),
                    minimumFreeBytes: Int64 = 0, progressIntervalMs: Int64 = 1000) {
            self.batchSize = max(1, batchSize)
            self.retryInterval = retryInterval
            self.pollInterval = pollInterval
            self.minimumFreeBytes = max(0, minimumFreeBytes)
            self.progressIntervalMs = progressIntervalMs
        }
    }

    public enum Event: Sendable {
        /// A torn last line (left by a crash or a full disk) was cut off `file`.
        case cutTornLine(file: String, bytes: Int64)
        /// Dialing is paused: the CDR files cannot be written, or free space is low.
        case paused(reason: String)
        /// The CDR files are written again and dialing goes on.
        case resumed(linesWritten: Int)
    }

    public let directory: String
    private let settings: Settings
    private let onEvent: @Sendable (Event) -> Void
    private let now: @Sendable () -> Int64

    private let ioLock = NSLock()
    private let file: CDRFile
    private let store: QueueStore
    /// Nil until the files were checked (at start and after a failed write).
    private var writtenThrough: Int64?
    private var savedThrough: Int64 = 0
    private var lastDay: String?
    /// The progress mark's own connection (`recordProgress()`).
    private let progressLock = NSLock()
    private let progressStore: QueueStore

    private let stateLock = NSLock()
    private var blockedReason: String?
    private var linesWhileBlocked = 0
    private var nudged = false
    private var stopped = false
    private var threadStarted = false
    private var threadEnded = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private let wake = DispatchSemaphore(value: 0)

    /// - Parameters:
    ///   - dataDirectory: where the queue database is (`campaignd.db`).
    ///   - directory: where the CDR files go; default `dataDirectory/cdr`.
    ///   - now: Unix milliseconds (when the writer thread records its progress).
    public init(dataDirectory: String, directory: String? = nil, settings: Settings = Settings(),
                now: @escaping @Sendable () -> Int64 = { Timestamp.nowMs() }, onEvent: @escaping @Sendable (Event) -> Void = { _ in }) throws {
        self.directory = directory ?? dataDirectory + "/cdr"
        self.settings = settings
        self.onEvent = onEvent
        self.now = now
        store = try QueueStore(dataDirectory: dataDirectory)
        progressStore = try QueueStore(dataDirectory: dataDirectory)
        file = try CDRFile(directory: self.directory)
    }

    public static func fileName(forDay day: String) -> String { CDRFile.fileName(forDay: day) }

    /// True while dialing should wait: the last write failed, or free space is under the minimum.
    /// Cheap (one lock, no I/O): the dispatcher asks before every claim.
    public var isBlocked: Bool { stateLock.withLock { blockedReason != nil } }

    /// Something finished: write its line soon (the writer thread wakes at once).
    public func nudge() {
        let signal = stateLock.withLock {
            defer { nudged = true }
            return !nudged
        }
        if signal { wake.signal() }
    }

    /// Closes the current file; the next line opens it again by name (after logrotate moved it).
    public func reopen() {
        ioLock.withLock { file.close() }
    }

    /// Writes every finished attempt the files lack, on the caller's thread; returns how many lines
    /// it wrote. On failure the files hold whole lines only and `isBlocked` is true until a later
    /// call succeeds.
    @discardableResult
    public func catchUp() throws(CDRWriterError) -> Int {
        let result: Result<Int, CDRWriterError> = ioLock.withLock {
            do throws(CDRWriterError) {
                return .success(try writePending())
            } catch {
                writtenThrough = nil
                file.close()
                return .failure(error)
            }
        }
        switch result {
        case .success(let lines):
            setBlocked(lowSpaceReason(), lines: lines)
            return lines
        case .failure(let error):
            setBlocked("\(error)", lines: 0)
            throw error
        }
    }

    /// Under `ioLock`.
    private func writePending() throws(CDRWriterError) -> Int {
        if writtenThrough == nil {
            let repair = try file.repair()
            for cut in repair.cut { onEvent(.cutTornLine(file: cut.file, bytes: cut.bytes)) }
            let mark: Int64
            do { mark = try store.cdrWrittenThrough() } catch { throw .store("\(error)") }
            writtenThrough = max(repair.lastSeq ?? 0, mark)
            savedThrough = max(savedThrough, mark)
            if lastDay == nil || (repair.lastDay ?? "") > (lastDay ?? "") { lastDay = repair.lastDay }
        }
        var written = 0
        while true {
            let records: [CDRRecord]
            do {
                records = try store.finishedAttempts(afterSeq: writtenThrough ?? 0, limit: settings.batchSize)
            } catch {
                throw .store("\(error)")
            }
            guard !records.isEmpty else { break }
            // Lines of one day go out in one write; the day never goes back (see the type's comment).
            var buffer: [UInt8] = []
            var bufferDay = lastDay ?? ""
            var bufferLast: Int64 = 0
            for record in records {
                let ended = String(Timestamp.iso8601(record.disconnectTime).prefix(10))
                let day = max(ended, lastDay ?? "")
                if day != bufferDay, !buffer.isEmpty {
                    try file.append(buffer, day: bufferDay)
                    writtenThrough = bufferLast
                    buffer.removeAll(keepingCapacity: true)
                }
                bufferDay = day
                lastDay = day
                buffer.append(contentsOf: record.jsonLine.utf8)
                buffer.append(0x0A)
                bufferLast = record.cdrSeq ?? bufferLast
                written += 1
            }
            try file.append(buffer, day: bufferDay)
            writtenThrough = bufferLast
        }
        return written
    }

    /// Tells the database how far the files go (every line through that `cdrSeq` is written and on
    /// the disk), if it moved on since the last time. The writer thread calls it every
    /// `progressIntervalMs` and when it stops. A failure loses nothing: the files' own last lines say
    /// the same at the next start, unless logrotate moved them away.
    ///
    /// The database write may wait for the queue's writer (busy timeout): it runs on a connection of
    /// its own, outside the lock that appends lines and reopens the file on SIGHUP.
    public func recordProgress() {
        let through: Int64? = ioLock.withLock {
            guard let through = writtenThrough, through > savedThrough else { return nil }
            do { try file.sync() } catch { return nil }
            return through
        }
        guard let through else { return }
        progressLock.withLock {
            do {
                try progressStore.setCDRWrittenThrough(through)
                ioLock.withLock { savedThrough = max(savedThrough, through) }
            } catch {
                // Tried again at the next interval.
            }
        }
    }

    private func lowSpaceReason() -> String? {
        guard settings.minimumFreeBytes > 0 else { return nil }
        var status = statvfs()
        guard statvfs(directory, &status) == 0 else { return nil }
        let free = Int64(status.f_bavail) * Int64(status.f_frsize)
        guard free < settings.minimumFreeBytes else { return nil }
        return "only \(free / 1024) KB free in \(directory), under the \(settings.minimumFreeBytes / 1024) KB minimum"
    }

    private func setBlocked(_ reason: String?, lines: Int) {
        let change: Event? = stateLock.withLock {
            defer { blockedReason = reason }
            switch (blockedReason, reason) {
            case (nil, let now?):
                linesWhileBlocked = 0
                return .paused(reason: now)
            case (.some, nil):
                return .resumed(linesWritten: linesWhileBlocked + lines)
            case (.some, .some):
                linesWhileBlocked += lines
                return nil
            case (nil, nil):
                return nil
            }
        }
        if let change { onEvent(change) }
    }

    // MARK: The writer thread

    /// Starts the writer thread: it catches up at once, then whenever nudged, every `pollInterval`,
    /// and every `retryInterval` while blocked.
    public func start() {
        stateLock.withLock { threadStarted = true }
        let thread = Thread { [self] in runThread() }
        thread.name = "campaignd-cdr"
        thread.start()
    }

    private func runThread() {
        var lastProgress = now()
        while true {
            let stopping = stateLock.withLock {
                nudged = false
                return stopped
            }
            _ = try? catchUp()
            if stopping { break }
            if now() - lastProgress >= settings.progressIntervalMs {
                lastProgress = now()
                recordProgress()
            }
            let wait = isBlocked ? settings.retryInterval : settings.pollInterval
            let nanoseconds = wait.components.seconds * 1_000_000_000 + wait.components.attoseconds / 1_000_000_000
            _ = wake.wait(timeout: .now() + .nanoseconds(Int(nanoseconds)))
        }
        recordProgress()
        ioLock.withLock { file.close() }
        let resume = stateLock.withLock {
            threadEnded = true
            defer { waiters.removeAll() }
            return waiters
        }
        for waiter in resume { waiter.resume() }
    }

    /// Writes what is left (one last catch-up), then ends the thread; suspends the caller until then.
    /// Without a thread (never started) it returns at once, writing nothing.
    public func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ended = stateLock.withLock { () -> Bool in
                stopped = true
                if threadEnded || !threadStarted { return true }
                waiters.append(continuation)
                return false
            }
            if ended { continuation.resume() }
            wake.signal()
        }
    }
}
