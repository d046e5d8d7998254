import Foundation

/// What the dispatcher measures about itself for the metrics endpoint.
// @unchecked Sendable: `lock` guards `tokenWait` and `connectPacing`.
public final class DispatchMetrics: @unchecked Sendable {
    private let lock = NSLock()
    private var tokenWait: Duration = .zero
    private var connectPacing: [ConnectPacingStatus] = []

    public init() {}

    /// Time the dispatcher spent waiting for rate tokens (calls were ready but not yet allowed).
    public var tokenWaitSeconds: Double {
        let wait = lock.withLock { tokenWait }
        return Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18
    }

    /// Connect pacing of the campaigns that have it: calls connected, free slots, ratio in force.
    public var connectStatus: [ConnectPacingStatus] { lock.withLock { connectPacing } }

    /// Set by the dispatcher as its calls connect and end.
    public func connectStatus(_ status: [ConnectPacingStatus]) {
        lock.withLock { connectPacing = status }
    }

    func waitedForTokens(_ duration: Duration) {
        guard duration > .zero else { return }
        lock.withLock { tokenWait += duration }
    }
}
