import Foundation
import Telephony

/// Batches of contacts handed from the parser thread to the inserting thread, at most `capacity`
/// waiting at once so a fast parser cannot fill memory.
// @unchecked Sendable: every stored property is read and written only while holding `condition`.
final class ContactBatchQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private let capacity: Int
    private var batches: [[ContactSpec]] = []
    private var finished = false
    private var cancelled = false
    private var duplicateCount = 0
    private var problems: [Diagnostic] = []

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Parser side: waits while the queue is full; drops the batch once the consumer has cancelled.
    func push(_ batch: [ContactSpec]) {
        condition.lock()
        defer { condition.unlock() }
        while batches.count >= capacity, !cancelled { condition.wait() }
        if !cancelled { batches.append(batch) }
        condition.broadcast()
    }

    /// Parser side: no more batches; what the parser found.
    func finish(duplicateCount: Int, diagnostics: [Diagnostic]) {
        condition.lock()
        defer { condition.unlock() }
        finished = true
        self.duplicateCount = duplicateCount
        problems = diagnostics
        condition.broadcast()
    }

    /// Consumer side: the next batch, or nil once the parser has finished and the queue is empty.
    func pop() -> [ContactSpec]? {
        condition.lock()
        defer { condition.unlock() }
        while batches.isEmpty, !finished { condition.wait() }
        guard !batches.isEmpty else { return nil }
        let batch = batches.removeFirst()
        condition.broadcast()
        return batch
    }

    /// Consumer side: stop accepting batches (the parser still runs to the end of the file).
    func cancel() {
        condition.lock()
        defer { condition.unlock() }
        cancelled = true
        batches.removeAll()
        condition.broadcast()
    }

    /// Waits for the parser to finish; returns the repeats it dropped (inline JSON contacts).
    @discardableResult
    func waitUntilFinished() -> Int {
        condition.lock()
        defer { condition.unlock() }
        while !finished { condition.wait() }
        return duplicateCount
    }

    /// The parser's problems; meaningful once `pop()` has returned nil.
    var diagnostics: [Diagnostic] {
        condition.lock()
        defer { condition.unlock() }
        return problems
    }
}
