import Foundation

/// Values posted by call tasks and drained by the dispatcher.
// @unchecked Sendable: `lock` guards `items`.
final class Mailbox<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Value] = []

    func post(_ value: Value) {
        lock.withLock { items.append(value) }
    }

    func drain() -> [Value] {
        lock.withLock {
            defer { items.removeAll() }
            return items
        }
    }
}
