import Foundation

/// SIP Call-IDs of the calls in progress, for hanging up what is left when a drain times out.
// @unchecked Sendable: `lock` guards `ids`.
final class LiveCalls: @unchecked Sendable {
    private let lock = NSLock()
    private var ids: Set<String> = []

    func add(_ id: String) { _ = lock.withLock { ids.insert(id) } }
    func remove(_ id: String) { _ = lock.withLock { ids.remove(id) } }
    func snapshot() -> [String] { lock.withLock { Array(ids) } }
}
