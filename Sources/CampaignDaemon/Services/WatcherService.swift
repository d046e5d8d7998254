import Dispatch

/// The drop folder, scanned once a second. Imports read files and write SQLite, so each scan runs on
/// a serial dispatch queue of its own, never on the shared cooperative pool.
final class WatcherService: DaemonService, @unchecked Sendable {
    // @unchecked Sendable: `watcher` is used only on `queue` (serial: one scan at a time).
    private let watcher: CampaignWatcher<ContinuousClock>
    private let queue = DispatchQueue(label: "campaignd-watcher")
    /// Whether another process holds the queue locked: files wait in the folder meanwhile, rather
    /// than each failing after the busy timeout.
    private let queueLocked: @Sendable () -> Bool
    var name: String { "watcher" }

    init(watcher: CampaignWatcher<ContinuousClock>, queueLocked: @escaping @Sendable () -> Bool = { false }) {
        self.watcher = watcher
        self.queueLocked = queueLocked
    }

    /// One scan; `settled` takes every file now (for `run --once`) rather than waiting for two
    /// scans to see the same size.
    func scan(settled: Bool = false) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async { [self] in
                watcher.scan(settled: settled)
                continuation.resume()
            }
        }
    }

    func run() async {
        while !Task.isCancelled {
            if !queueLocked() { await scan() }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
