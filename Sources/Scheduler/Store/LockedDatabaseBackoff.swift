/// How a writer waits while another process holds the queue database's write lock (an operator's
/// `sqlite3` shell left in `BEGIN IMMEDIATE`, a backup tool) for longer than SQLite's busy timeout.
///
/// After the busy timeout gave up, the writer tries again after `firstDelay`, then after twice as
/// long each time, never more than `maxDelay`, so that it notices the lock is gone within
/// `maxDelay` plus one try. A try then waits at most `tryTimeout` in SQLite's busy handler rather
/// than the full busy timeout, so that the writer's reads are not held up between tries. It warns
/// when the lock is first found, then every `warnInterval` while it lasts.
///
/// Pure: the writer tells it each try's outcome with the times, and does what it answers.
public struct LockedDatabaseBackoff<C: Clock>: Sendable where C.Duration == Duration, C.Instant: Sendable {
    public var firstDelay: Duration
    public var maxDelay: Duration
    public var tryTimeout: Duration
    public var warnInterval: Duration

    /// When the first try that failed began: the lock was held from then at the latest. Nil while
    /// the database is not known to be locked.
    public private(set) var lockedSince: C.Instant?
    private var failedTries = 0
    private var lastWarning: C.Instant?

    public init(firstDelay: Duration = .milliseconds(100), maxDelay: Duration = .seconds(2), tryTimeout: Duration = .milliseconds(250),
                warnInterval: Duration = .seconds(15)) {
        self.firstDelay = firstDelay
        self.maxDelay = max(maxDelay, firstDelay)
        self.tryTimeout = tryTimeout
        self.warnInterval = warnInterval
    }

    /// What to do after a try that found the database locked.
    public struct Retry: Sendable, Equatable {
        /// Try again after this long.
        public var after: Duration
        /// Say so in the log now (the first time, then every `warnInterval`).
        public var warn: Bool
        /// How long the database has been locked so far.
        public var lockedFor: Duration
    }

    /// Whether the database is known to be locked (a try failed and none succeeded since).
    public var isLocked: Bool { lockedSince != nil }

    /// The longest the next try should wait in SQLite's busy handler: the full `busyTimeout` while
    /// the database is not known to be locked, `tryTimeout` while it is.
    public func nextTryTimeout(busyTimeout: Duration) -> Duration {
        isLocked ? min(tryTimeout, busyTimeout) : busyTimeout
    }

    /// A try that began at `startedAt` ended at `now` with the database locked by another connection.
    public mutating func tryFailed(startedAt: C.Instant, now: C.Instant) -> Retry {
        let since = lockedSince ?? startedAt
        lockedSince = since
        failedTries += 1
        // firstDelay × 2^(tries − 1), computed without overflow, capped at maxDelay.
        var delay = firstDelay
        for _ in 1..<failedTries where delay < maxDelay { delay = delay * 2 }
        delay = min(delay, maxDelay)
        let warn = lastWarning.map { $0.duration(to: now) >= warnInterval } ?? true
        if warn { lastWarning = now }
        return Retry(after: delay, warn: warn, lockedFor: since.duration(to: now))
    }

    /// A try succeeded at `now`: how long the database had been locked, or nil if it was not.
    public mutating func trySucceeded(now: C.Instant) -> Duration? {
        defer {
            lockedSince = nil
            failedTries = 0
            lastWarning = nil
        }
        return lockedSince.map { $0.duration(to: now) }
    }
}
