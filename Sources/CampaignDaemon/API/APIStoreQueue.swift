import Dispatch
import Scheduler

/// A status, a JSON body and extra headers: what an answer made on the queue is.
typealias HTTPResponseText = (status: Int, text: String, headers: [(String, String)])

/// A connection to the queue of its own, used on a serial dispatch queue of its own: the API's
/// reads, and its campaign imports, block in SQLite there, never on an event loop or the task pool.
final class APIStoreQueue: @unchecked Sendable {
    // @unchecked Sendable: `store` is used only on `queue` (serial).
    private let queue: DispatchQueue
    private let store: QueueStore
    /// For a queue that writes: whether another process holds the database locked (the queue's
    /// writer knows); requests are then answered 503 at once rather than each waiting out the busy timeout.
    private let locked: @Sendable () -> Bool

    init(label: String, dataDirectory: String, locked: @escaping @Sendable () -> Bool = { false }) throws {
        queue = DispatchQueue(label: label)
        store = try QueueStore(dataDirectory: dataDirectory)
        self.locked = locked
    }

    /// Runs `body` on the queue and answers `exchange` with what it returns, or with its error.
    func answer(_ exchange: APIExchange, _ body: @escaping @Sendable (QueueStore) throws -> HTTPResponseText) {
        queue.async { [self] in
            if locked() { return exchange.fail(.queueLocked(retryAfter: APIError.lockedRetryAfter)) }
            do {
                let (status, text, headers) = try body(store)
                exchange.json(status, text, headers: headers)
            } catch {
                exchange.fail(APIError(error))
            }
        }
    }

    /// Runs `body` on the queue.
    func run(_ body: @escaping @Sendable (QueueStore) -> Void) {
        queue.async { [self] in body(store) }
    }
}
