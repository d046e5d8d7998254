/// A long-running part of `campaignd run`, in swift-service-lifecycle's shape: `run()` goes on until
/// the part is done or its task is cancelled, and returns once it has cleaned up. `RunCommand` starts
/// them all in one task group; when the dispatcher returns (its work done, or SIGTERM drained) the
/// group is cancelled, and that is the one way every part stops.
protocol DaemonService: Sendable {
    /// For the log.
    var name: String { get }
    func run() async throws
}

/// Suspends until the current task is cancelled (no thread is held).
func waitForCancellation() async {
    while !Task.isCancelled {
        try? await Task.sleep(for: .seconds(3600))
    }
}
