import CLinux
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Something with a file descriptor registered on an event loop: told, on the loop's thread, when
/// the descriptor can be read or written (an error or hang-up is reported as readable: reading
/// tells which).
public protocol Selectable: AnyObject {
    func readable()
    func writable()
}

/// One thread owning an epoll set, a timer queue and a queue of work handed to it from other
/// threads (woken by an eventfd). In the manner of swift-nio's `SelectableEventLoop`.
///
/// Everything registered on a loop (descriptors, timers, the objects behind them) is touched only
/// on its thread; other threads reach it with `execute(_:)` or `submit(_:)`.
public final class EventLoop: @unchecked Sendable {
    // @unchecked Sendable: `lock` guards `pending`, `wakeupPending`, `threadID` and
    // `schedulingOutcome`; everything else (`timers`, `slots`, `freeSlots`, `stopping`, the read
    // buffers, `datagramScratch`) is confined to the loop's thread.
    public let name: String
    public let clock: any LoopClock
    private let epollFD: Int32
    private let wakeFD: Int32
    private let lock = NSLock()
    private var pending: [() -> Void] = []
    private var wakeupPending = false
    private var threadID: pthread_t?
    private var schedulingOutcome = Scheduling.normal
    private var timers = TimerQueue<() -> Void>()
    private var slots: [Slot] = []
    private var freeSlots: [Int] = []
    private var stopping = false
    /// The loop's `recvmmsg` buffers, shared by every UDP channel on it.
    private(set) lazy var receiveBuffers = ReceiveBuffers()
    /// The loop's buffer for stream reads, shared by every TCP connection on it (one read at a time).
    private(set) lazy var streamBuffer = StreamReadBuffer()
    /// 2,048 bytes for building one datagram at a time on the loop's thread, sent (the kernel copies
    /// it) before the next is built: a relayed RTP packet, for instance. Shared by everything on the
    /// loop, so it stays in the cache.
    public let datagramScratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
    /// Signalled when the thread has started (`threadID` set) and when it has ended.
    private let finished = NSCondition()
    private var hasFinished = false
    /// Callers of `shutdownGracefully()` waiting for the thread to end (guarded by `finished`).
    private var stopWaiters: [CheckedContinuation<Void, Never>] = []

    /// How a loop knows a registered descriptor: its slot and the slot's generation.
    public struct Registration: Hashable, Sendable {
        let slot: Int
        let generation: UInt32
        public let fd: Int32
    }

    /// How a loop's thread is scheduled.
    public enum Scheduling: Equatable, Sendable {
        /// The kernel's default time sharing (`SCHED_OTHER`), as asked.
        case normal
        /// `SCHED_RR` at this priority (1-99): the thread runs before every time-shared thread on
        /// its core when it has work, as media servers' relay threads do (Asterisk `-p`,
        /// FreeSWITCH `-rp`).
        case realtime(priority: Int32)
        /// Real-time scheduling was asked at `priority` and the kernel refused it (`errno`: EPERM
        /// without CAP_SYS_NICE or an RLIMIT_RTPRIO of at least `priority`); the thread runs normally.
        case refused(priority: Int32, errno: Int32)
    }

    public struct TimerID: Hashable, Sendable {
        let id: TimerQueue<() -> Void>.ID
    }

    private struct Slot {
        var generation: UInt32 = 0
        var fd: Int32 = -1
        var handler: (any Selectable)?
    }

    private static let wakeToken = UInt64.max

    /// Starts the loop's thread; with `realtimePriority` (1-99), the thread asks for `SCHED_RR` at that
    /// priority before it runs anything (see `scheduling` for what the kernel said). Threads it
    /// creates do not inherit the policy (`SCHED_RESET_ON_FORK`).
    public init(name: String = "campaignd-io", clock: any LoopClock = SystemLoopClock.shared,
                realtimePriority: Int32? = nil) throws(IOError) {
        let epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else { throw .system("epoll_create1") }
        let wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard wakeFD >= 0 else {
            let error = IOError.system("eventfd")
            Glibc.close(epollFD)
            throw error
        }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = Self.wakeToken
        guard epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeFD, &event) == 0 else {
            let error = IOError.system("epoll_ctl")
            Glibc.close(epollFD)
            Glibc.close(wakeFD)
            throw error
        }
        self.name = name
        self.clock = clock
        self.epollFD = epollFD
        self.wakeFD = wakeFD
        clock.attach(self)
        let thread = Thread { [self] in
            // What `top -H` and /proc show: Linux keeps 15 bytes of a thread's name.
            let osName = name.utf8.count > 15 && name.hasPrefix("campaignd-") ? String(name.dropFirst(10)) : name
            _ = pthread_setname_np(pthread_self(), String(decoding: osName.utf8.prefix(15), as: UTF8.self))
            let scheduling = realtimePriority.map(Self.becomeRealtime) ?? .normal
            finished.withLock {
                lock.withLock {
                    threadID = pthread_self()
                    schedulingOutcome = scheduling
                }
                finished.broadcast()
            }
            run()
        }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
        // The loop's identity must be known before anyone asks `inEventLoop`.
        finished.withLock { while lock.withLock({ threadID == nil }) { finished.wait() } }
    }

    deinit {
        Glibc.close(epollFD)
        Glibc.close(wakeFD)
        datagramScratch.deallocate()
    }

    /// Asks the kernel to schedule the calling thread `SCHED_RR` at `priority`, not inherited by the
    /// threads it creates (a Dispatch or Swift concurrency worker started from a loop must not run
    /// real-time).
    private static func becomeRealtime(priority: Int32) -> Scheduling {
        var parameters = sched_param()
        parameters.sched_priority = priority
        let resetOnFork: Int32 = 0x4000_0000  // SCHED_RESET_ON_FORK, <linux/sched.h>
        guard sched_setscheduler(0, SCHED_RR | resetOnFork, &parameters) == 0 else {
            return .refused(priority: priority, errno: errno)
        }
        return .realtime(priority: priority)
    }

    /// What became of the real-time priority asked for (settled before `init` returns).
    public var scheduling: Scheduling { lock.withLock { schedulingOutcome } }

    /// Whether the caller is on this loop's thread.
    public var inEventLoop: Bool {
        guard let threadID = lock.withLock({ threadID }) else { return false }
        return pthread_equal(threadID, pthread_self()) != 0
    }

    /// The loop's time now.
    public var now: LoopInstant { clock.now() }

    /// Runs `work` on the loop's thread, after what is already queued. Callable from any thread.
    public func execute(_ work: @escaping @Sendable () -> Void) {
        enqueue(work)
    }

    /// Queues loop-confined work. Only for code already on this loop, or work whose captures are
    /// safe to hand over (the caller vouches, as `execute` does by `@Sendable`).
    func enqueue(_ work: @escaping () -> Void) {
        let wake = lock.withLock { () -> Bool in
            pending.append(work)
            if wakeupPending { return false }
            wakeupPending = true
            return true
        }
        if wake {
            var one: UInt64 = 1
            _ = Glibc.write(wakeFD, &one, 8)
        }
    }

    /// Runs `work` on the loop and returns its result to an async caller (no thread is blocked).
    public func submit<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            execute { continuation.resume(returning: work()) }
        }
    }

    /// Stops the loop after the work already queued; its descriptors are left to their owners.
    public func shutdown() {
        execute { [self] in stopping = true }
    }

    /// Stops the loop after its queued work and suspends the caller (no thread blocked) until its
    /// thread has ended.
    public func shutdownGracefully() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ended = finished.withLock { () -> Bool in
                if hasFinished { return true }
                stopWaiters.append(continuation)
                return false
            }
            if ended { continuation.resume() } else { shutdown() }
        }
    }

    // MARK: Timers (on the loop's thread only)

    /// Runs `body` on the loop at `deadline` (or at once, at the next turn, if it has passed).
    @discardableResult
    public func scheduleTimer(at deadline: LoopInstant, _ body: @escaping () -> Void) -> TimerID {
        assert(inEventLoop, "timers are scheduled on their loop")
        return TimerID(id: timers.schedule(at: deadline, body))
    }

    /// Runs `body` on the loop after `delay`.
    @discardableResult
    public func scheduleTimer(after delay: Duration, _ body: @escaping () -> Void) -> TimerID {
        scheduleTimer(at: now.advanced(by: delay), body)
    }

    /// Cancels a timer; nothing happens if it ran already.
    public func cancelTimer(_ timer: TimerID) {
        assert(inEventLoop, "timers are cancelled on their loop")
        timers.cancel(timer.id)
    }

    /// Timers scheduled and not yet run or cancelled.
    public var scheduledTimerCount: Int {
        assert(inEventLoop)
        return timers.count
    }

    // MARK: Descriptors (on the loop's thread only)

    /// Adds `fd` to the loop's epoll set; `handler` is told when it is readable or writable.
    public func register(_ fd: Int32, readable: Bool, writable: Bool, handler: any Selectable) throws(IOError) -> Registration {
        assert(inEventLoop, "descriptors are registered on their loop")
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
        } else {
            slot = slots.count
            slots.append(Slot())
        }
        slots[slot].generation &+= 1
        slots[slot].fd = fd
        slots[slot].handler = handler
        let registration = Registration(slot: slot, generation: slots[slot].generation, fd: fd)
        var event = epoll_event()
        event.events = Self.interest(readable: readable, writable: writable)
        event.data.u64 = Self.token(registration)
        guard epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) == 0 else {
            let error = IOError.system("epoll_ctl ADD")
            release(registration)
            throw error
        }
        return registration
    }

    /// Changes what a registered descriptor is watched for.
    public func modify(_ registration: Registration, readable: Bool, writable: Bool) {
        assert(inEventLoop)
        guard isLive(registration) else { return }
        var event = epoll_event()
        event.events = Self.interest(readable: readable, writable: writable)
        event.data.u64 = Self.token(registration)
        _ = epoll_ctl(epollFD, EPOLL_CTL_MOD, registration.fd, &event)
    }

    /// Removes a descriptor from the loop (before its owner closes it). Events already fetched for
    /// it in this turn are dropped.
    public func deregister(_ registration: Registration) {
        assert(inEventLoop)
        guard isLive(registration) else { return }
        _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, registration.fd, nil)
        release(registration)
    }

    private func isLive(_ registration: Registration) -> Bool {
        registration.slot < slots.count && slots[registration.slot].generation == registration.generation
            && slots[registration.slot].handler != nil
    }

    private func release(_ registration: Registration) {
        slots[registration.slot].handler = nil
        slots[registration.slot].fd = -1
        // A new generation makes events still in flight for the old descriptor miss.
        slots[registration.slot].generation &+= 1
        freeSlots.append(registration.slot)
    }

    private static func interest(readable: Bool, writable: Bool) -> UInt32 {
        var events: UInt32 = 0
        if readable { events |= EPOLLIN.rawValue | EPOLLRDHUP.rawValue }
        if writable { events |= EPOLLOUT.rawValue }
        return events
    }

    private static func token(_ registration: Registration) -> UInt64 {
        UInt64(registration.generation) << 32 | UInt64(registration.slot)
    }

    // MARK: The loop

    private func run() {
        let capacity = 512
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        while !stopping {
            let count = epoll_wait(epollFD, events, Int32(capacity), timeoutMs())
            if count > 0 {
                for index in 0..<Int(count) {
                    let event = events[index]
                    dispatch(token: event.data.u64, events: event.events)
                }
            }
            runPending()
            runDueTimers()
        }
        runPending()
        let waiters = finished.withLock { () -> [CheckedContinuation<Void, Never>] in
            hasFinished = true
            finished.broadcast()
            defer { stopWaiters.removeAll() }
            return stopWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    private func dispatch(token: UInt64, events: UInt32) {
        if token == Self.wakeToken {
            var value: UInt64 = 0
            _ = Glibc.read(wakeFD, &value, 8)
            return
        }
        let slot = Int(token & 0xFFFF_FFFF)
        let generation = UInt32(token >> 32)
        guard slot < slots.count, slots[slot].generation == generation, let handler = slots[slot].handler else { return }
        let failed = events & (EPOLLERR.rawValue | EPOLLHUP.rawValue | EPOLLRDHUP.rawValue) != 0
        if events & EPOLLIN.rawValue != 0 || failed { handler.readable() }
        // The read may have closed it.
        guard slots[slot].generation == generation else { return }
        if events & EPOLLOUT.rawValue != 0 || (failed && events & EPOLLIN.rawValue == 0) { handler.writable() }
    }

    private func runPending() {
        let work = lock.withLock { () -> [() -> Void] in
            wakeupPending = false
            let work = pending
            pending.removeAll(keepingCapacity: true)
            return work
        }
        for item in work { item() }
    }

    private func runDueTimers() {
        let now = clock.now()
        while let due = timers.popDue(now: now) { due() }
    }

    /// How long epoll may sleep: not at all with work queued, until the next timer, else forever.
    private func timeoutMs() -> Int32 {
        if lock.withLock({ !pending.isEmpty }) { return 0 }
        guard let next = timers.nextDeadline() else { return -1 }
        let now = clock.now()
        if next <= now { return 0 }
        guard clock.isRealTime else { return -1 }
        // Rounded up: waking a little late beats spinning on a timer not quite due.
        let milliseconds = (next.nanoseconds - now.nanoseconds + 999_999) / 1_000_000
        return Int32(min(milliseconds, 60_000))
    }
}
