import Foundation
import Telephony

/// SHA-256 of the bytes the parser read, computed on its own thread from a bounded queue of chunks.
// @unchecked Sendable: every stored property is read and written only while holding `condition`.
final class ContentHashThread: @unchecked Sendable {
    private let condition = NSCondition()
    private let capacity: Int
    private var chunks: [[UInt8]] = []
    private var finished = false
    private var hash: String?

    init(capacity: Int) {
        self.capacity = capacity
    }

    func start() {
        let thread = Thread { [self] in
            var hasher = SHA256()
            while let chunk = pop() { hasher.update(chunk) }
            condition.lock()
            hash = hex(hasher.finalize())
            condition.broadcast()
            condition.unlock()
        }
        thread.name = "campaignd-import-hash"
        thread.start()
    }

    /// Parser side: waits while the queue is full.
    func push(_ bytes: UnsafeRawBufferPointer) {
        let chunk = [UInt8](bytes)
        condition.lock()
        defer { condition.unlock() }
        while chunks.count >= capacity { condition.wait() }
        chunks.append(chunk)
        condition.broadcast()
    }

    /// Parser side: no more bytes.
    func finish() {
        condition.lock()
        defer { condition.unlock() }
        finished = true
        condition.broadcast()
    }

    private func pop() -> [UInt8]? {
        condition.lock()
        defer { condition.unlock() }
        while chunks.isEmpty, !finished { condition.wait() }
        guard !chunks.isEmpty else { return nil }
        condition.broadcast()
        return chunks.removeFirst()
    }

    /// Waits until every byte is hashed and returns the hash (hex).
    @discardableResult
    func waitForHash() -> String {
        condition.lock()
        defer { condition.unlock() }
        while hash == nil { condition.wait() }
        return hash ?? ""
    }
}
