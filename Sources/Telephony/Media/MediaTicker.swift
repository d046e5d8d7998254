import IO

/// One 20 ms clock per event loop for every call on it that has media: each tick takes a frame in
/// and sends a frame out for each call. Ticks keep deadlines (`start + n × 20 ms`), so however late
/// one runs the stream does not drift. A loop that fell behind (a stalled machine) runs the ticks it
/// missed without sending them, so detection and prompts keep wall-clock time and the far end sees a
/// gap instead of a burst.
///
/// Bridged calls relay each packet as it arrives and have nothing to do each 20 ms: they are ticked
/// once a second (every `relayedEvery` ticks) for RTCP and the media-inactivity check, so a
/// thousand of them cost the loop no pass over their objects fifty times a second.
final class MediaTicker {
    // Confined to `loop`'s thread (no lock).
    static let period = Duration.milliseconds(20)
    static let relayedEvery: Int64 = 50
    let loop: EventLoop
    private var calls: [CallMedia] = []
    private var relayed: [CallMedia] = []
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

    /// Moves a call on the 20 ms list to the once-a-second one (its packets are relayed as they come).
    func relay(_ media: CallMedia) {
        guard !media.tickerRelayed, Self.take(media, from: &calls) else { return }
        media.tickerRelayed = true
        media.tickerIndex = relayed.count
        relayed.append(media)
    }

    func remove(_ media: CallMedia) {
        guard media.tickerRelayed ? Self.take(media, from: &relayed) : Self.take(media, from: &calls) else { return }
        media.tickerRelayed = false
        if calls.isEmpty, relayed.isEmpty, let timer {
            loop.cancelTimer(timer)
            self.timer = nil
        }
    }

    /// Takes `media` out of `list` (the last one fills its place); false if it was not there.
    private static func take(_ media: CallMedia, from list: inout [CallMedia]) -> Bool {
        guard let index = media.tickerIndex, index < list.count, list[index] === media else { return false }
        media.tickerIndex = nil
        let last = list.removeLast()
        if index < list.count {
            list[index] = last
            last.tickerIndex = index
        }
        return true
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
        if !calls.isEmpty || !relayed.isEmpty { schedule() }
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
        guard tickNumber % Self.relayedEvery == 0 else { return }
        index = relayed.count - 1
        while index >= 0 {
            if index < relayed.count {
                let media = relayed[index]
                if media.lastTick != tickNumber {
                    let elapsed = tickNumber - media.lastTick
                    media.lastTick = tickNumber
                    media.relayedTick(now: now, elapsed: elapsed)
                }
            }
            index -= 1
        }
    }
}
