#if canImport(Glibc)
import Glibc
#endif

/// CLOCK_MONOTONIC, shared by every loop that does not get a manual clock.
public final class SystemLoopClock: LoopClock {
    public static let shared = SystemLoopClock()

    public init() {}

    public func now() -> LoopInstant {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return LoopInstant(nanoseconds: UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec))
    }

    public var isRealTime: Bool { true }
    public func attach(_ loop: EventLoop) {}
}
