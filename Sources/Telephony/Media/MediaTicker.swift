import IO

/// One 20 ms clock per event loop for every call on it that has media: each tick takes a frame in
/// and sends a frame out for each call. Ticks keep deadlines (`start + n × 20 ms`), so however late
/// one runs the stream does not drift; a loop more than 100 ms behind skips ahead rather than
/// sending a burst.
final class MediaTicker {
    // Confined to `loop`'s thread (no lock).
    static let period = Duration.milliseconds(20)
    let loop: EventLoop
    private var calls: [CallMedia] = []
    private var start = LoopInstant(nanoseconds: 0)
    private var tickNumber: Int64 = 0
    private var timer: EventLoop.TimerID?
    /// How late ticks ran, in ms (0 when on time): for the metrics.
    private(set) var lateTicks = 0

    init(loop: EventLoop) {
        self.loop = loop
    }

    var count: Int { calls.count }

    func add(_ media: CallMedia) {
        guard media.tickerIndex == nil else { return }
        media.tickerIndex = calls.count
        media.lastTick = tickNumber
        calls.append(media)
        if timer == nil {
            start = loop.now
            tickNumber = 0
            schedule()
        }
    }

    func remove(_ media: CallMedia) {
        guard let index = media.tickerIndex, index < calls.count, calls[index] === media else { return }
        media.tickerIndex = nil
        let last = calls.removeLast()
        if index < calls.count {
            calls[index] = last
            last.tickerIndex = index
        }
        if calls.isEmpty, let timer {
            loop.cancelTimer(timer)
            self.timer = nil
        }
    }

    private func schedule() {
        let deadline = start.advanced(by: Self.period * Int(tickNumber + 1))
        timer = loop.scheduleTimer(at: deadline) { [weak self] in self?.fire() }
    }

    private func fire() {
        timer = nil
        tickNumber += 1
        let now = loop.now
        let due = start.advanced(by: Self.period * Int(tickNumber))
        if now.duration(since: due) > .milliseconds(100) {
            // Far behind (the machine stalled): move the clock on instead of bursting packets.
            lateTicks += 1
            tickNumber = Int64(now.duration(since: start) / Self.period)
        }
        // Backwards, so a call that ends in its tick (swapped out for the last) is not skipped.
        var index = calls.count - 1
        while index >= 0 {
            if index < calls.count {
                let media = calls[index]
                if media.lastTick != tickNumber {
                    media.lastTick = tickNumber
                    media.tick(now: now)
                }
            }
            index -= 1
        }
        if !calls.isEmpty { schedule() }
    }
}
