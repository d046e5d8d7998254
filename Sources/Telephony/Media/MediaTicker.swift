import IO

/// One 20 ms clock per event loop for every call on it that has media: each tick takes a frame in
/// and sends a frame out for each call. Ticks keep deadlines (`start + n × 20 ms`), so however late
/// one runs the stream does not drift. A loop that fell behind (a stalled machine) runs the ticks it
/// missed without sending them, so detection and prompts keep wall-clock time and the far end sees a
/// gap instead of a burst.
final class MediaTicker {
    // Confined to `loop`'s thread (no lock).
    static let period = Duration.milliseconds(20)
    let loop: EventLoop
    private var calls: [CallMedia] = []
    private var start = LoopInstant(nanoseconds: 0)
    private var tickNumber: Int64 = 0
    private var timer: EventLoop.TimerID?

    init(loop: EventLoop) {
        self.loop = loop
    }

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
        let now = loop.now
        // Every tick due by now: the last is sent, those before it (missed in a stall) only counted.
        let dueTicks = max(tickNumber + 1, Int64(now.duration(since: start) / Self.period))
        while tickNumber < dueTicks {
            tickNumber += 1
            runTick(now: now, sending: tickNumber == dueTicks)
        }
        if !calls.isEmpty { schedule() }
    }

    private func runTick(now: LoopInstant, sending: Bool) {
        // Backwards, so a call that ends in its tick (swapped out for the last) is not skipped.
        var index = calls.count - 1
        while index >= 0 {
            if index < calls.count {
                let media = calls[index]
                if media.lastTick != tickNumber {
                    media.lastTick = tickNumber
                    media.tick(now: now, sending: sending)
                }
            }
            index -= 1
        }
    }
}
