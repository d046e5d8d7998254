import Foundation

/// Imports campaign files with validation and insertion overlapped on two threads.
///
/// A parser thread reads, validates and normalises contact rows into a bounded queue and a
/// hashing thread fingerprints the file, while the calling thread inserts the rows into one
/// transaction. A problem in any row rolls the whole import back, so a file still imports all or
/// nothing; content imported before is rolled back too and reported as such.
public struct CampaignImporter {
    public var loader: CampaignLoader
    /// Used only on the calling thread.
    public var store: QueueStore

    static let batchSize = 4096

    public init(loader: CampaignLoader, store: QueueStore) {
        self.loader = loader
        self.store = store
    }

    public enum Outcome {
        case imported(ImportResult)
        case invalid(ValidationFailure)
    }

    /// Validates and imports the campaign file at `path`; store errors are thrown.
    public func importFile(at path: String) throws -> Outcome {
        let prepared: PreparedCampaign
        do {
            prepared = try loader.prepare(path: path)
        } catch {
            return .invalid(error)
        }
        guard prepared.diagnostics.isEmpty else {
            // The settings are already wrong: read the rows only to report their problems too.
            let list = loader.readContacts(of: prepared) { _ in }
            return .invalid(ValidationFailure(sortedByLine: prepared.diagnostics + list.diagnostics))
        }

        let queue = ContactBatchQueue(capacity: 16)
        let loader = self.loader
        let parser = Thread {
            var batch: [ContactSpec] = []
            batch.reserveCapacity(Self.batchSize)
            let list = loader.readContacts(of: prepared) { contact in
                batch.append(contact)
                if batch.count == Self.batchSize {
                    queue.push(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { queue.push(batch) }
            queue.finish(duplicateCount: list.duplicateCount, diagnostics: list.diagnostics)
        }
        parser.name = "campaignd-import-parser"
        parser.start()
        let hasher = Thread { queue.setFingerprint(prepared.contentHash()) }
        hasher.name = "campaignd-import-hash"
        hasher.start()
        // Whatever happens below, stop taking batches and wait for both threads before returning.
        defer {
            queue.cancel()
            queue.waitUntilFinished()
            queue.waitForFingerprint()
        }

        do {
            var result = try store.importCampaign(prepared.header, contacts: {
                if let batch = queue.pop() { return batch }
                let diagnostics = queue.diagnostics
                if !diagnostics.isEmpty { throw ValidationFailure(sortedByLine: diagnostics) }
                return nil
            }, fingerprint: { queue.waitForFingerprint() })
            result.duplicatesInFile = queue.waitUntilFinished()
            return .imported(result)
        } catch let failure as ValidationFailure {
            return .invalid(failure)
        }
    }
}

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
    private var fingerprint: String?

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

    /// Hashing thread: the file's content hash.
    func setFingerprint(_ hash: String) {
        condition.lock()
        defer { condition.unlock() }
        fingerprint = hash
        condition.broadcast()
    }

    /// Waits until the hashing thread has fingerprinted the file and returns the hash.
    @discardableResult
    func waitForFingerprint() -> String {
        condition.lock()
        defer { condition.unlock() }
        while fingerprint == nil { condition.wait() }
        return fingerprint ?? ""
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

    /// Waits for the parser to finish; returns the duplicates it dropped.
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
