import Foundation

/// A request to stop, set from a signal handler's task and read by the dispatcher, which it also
/// wakes.
// @unchecked Sendable: `lock` guards `requested`.
public final class StopSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var requested = false
    /// Fired by `request()`, so that a sleeping dispatcher stops at once.
    let wake = WorkSignal()

    public init() {}

    public var isRequested: Bool { lock.withLock { requested } }

    public func request() {
        lock.withLock { requested = true }
        wake.signal()
    }
}
