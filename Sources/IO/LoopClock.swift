/// Where an event loop reads the time. The system clock is CLOCK_MONOTONIC; a `ManualLoopClock`
/// only moves when a test moves it, so timers are tested without sleeping.
public protocol LoopClock: AnyObject, Sendable {
    func now() -> LoopInstant
    /// Whether the loop may sleep until its next timer (false for a manual clock: nothing is due
    /// until the test advances it).
    var isRealTime: Bool { get }
    /// Called once by each loop that uses this clock, so the clock can wake it when time moves.
    func attach(_ loop: EventLoop)
}
