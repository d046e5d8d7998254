import Foundation

/// A counter shared by the tasks placing calls.
// @unchecked Sendable: `lock` guards `value`.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    /// The current value, then one more.
    func next() -> Int {
        lock.withLock {
            defer { value &+= 1 }
            return value
        }
    }
}
