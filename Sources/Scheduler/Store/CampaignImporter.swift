import Foundation
import Telephony

/// Imports campaign files with validation and insertion overlapped on three threads.
///
/// A parser thread streams the file, validates and normalises contact rows and finds repeats in
/// a scratch database (`TargetSeenSet`), handing new contacts to a bounded queue; a hashing thread
/// fingerprints exactly the bytes the parser read; the calling thread inserts the contacts in
/// chunks, each its own transaction (`QueueStore.importNewContacts`), invisible until the last.
/// A problem in any row removes what was inserted, so a file still imports all or nothing. Memory
/// does not grow with the file.
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
            let list = loader.readContacts(of: prepared, removingDuplicates: false, observingBytes: nil) { _ in }
            return .invalid(ValidationFailure(sortedByLine: prepared.diagnostics + list.diagnostics))
        }
        return try store.withImportLock { () throws -> Outcome in
            let campaignKey = try store.campaignKey(of: prepared.id)
            if campaignKey != nil, let at = try store.importedAt(campaignID: prepared.id, contentHash: prepared.contentHash()) {
                // The same content again: known from one read of the file, before any row is inserted.
                var result = ImportResult(campaignID: prepared.id)
                result.alreadyImportedAt = at
                return .imported(result)
            }
            let seen = SeenSetHandoff(try TargetSeenSet(seedingFrom: store.path, campaignKey: campaignKey))
            return try importRows(of: prepared, seen: seen)
        }
    }

    private func importRows(of prepared: PreparedCampaign, seen: SeenSetHandoff) throws -> Outcome {
        let queue = ContactBatchQueue(capacity: 16)
        let hash = ContentHashThread(capacity: 8)
        let loader = self.loader
        let parser = Thread {
            var batch: [ContactSpec] = []
            batch.reserveCapacity(Self.batchSize)
            var present = 0, duplicates = 0
            var failure: (any Error)?
            let list = loader.readContacts(of: prepared, removingDuplicates: false, observingBytes: { hash.push($0) }) { contact in
                guard failure == nil else { return }
                do {
                    switch try seen.set.insert(contact.target) {
                    case .new:
                        batch.append(contact)
                        if batch.count == Self.batchSize {
                            queue.push(batch)
                            batch.removeAll(keepingCapacity: true)
                        }
                    case .alreadyInCampaign: present += 1
                    case .duplicate: duplicates += 1
                    }
                } catch {
                    failure = error
                }
            }
            hash.finish()
            if !batch.isEmpty { queue.push(batch) }
            // Inline JSON contacts come with their repeats already dropped and counted.
            queue.finish(duplicateCount: duplicates + list.duplicateCount, alreadyPresent: present, diagnostics: list.diagnostics,
                         failure: failure)
        }
        parser.name = "campaignd-import-parser"
        parser.start()
        hash.start()
        // Whatever happens below, stop taking batches and wait for both threads before returning.
        defer {
            queue.cancel()
            queue.waitUntilFinished()
            hash.waitForHash()
        }

        do {
            var result = try store.importNewContacts(prepared.header, contacts: {
                if let batch = queue.pop() { return batch }
                if let failure = queue.failure { throw failure }
                let diagnostics = queue.diagnostics
                if !diagnostics.isEmpty { throw ValidationFailure(sortedByLine: diagnostics) }
                return nil
            }, fingerprint: { hash.waitForHash() })
            let counts = queue.waitUntilFinished()
            if result.alreadyImportedAt == nil {
                result.duplicatesInFile = counts.duplicates
                result.contactsAlreadyPresent = counts.present
            }
            return .imported(result)
        } catch let failure as ValidationFailure {
            return .invalid(failure)
        }
    }
}

/// Hands the seen-set made on the calling thread to the parser thread, which alone uses it after.
// @unchecked Sendable: `set` is used by one thread at a time (created, then given to the parser).
final class SeenSetHandoff: @unchecked Sendable {
    let set: TargetSeenSet
    init(_ set: TargetSeenSet) { self.set = set }
}

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
    private var presentCount = 0
    private var problems: [Diagnostic] = []
    private var parserFailure: (any Error)?

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
    func finish(duplicateCount: Int, alreadyPresent: Int, diagnostics: [Diagnostic], failure: (any Error)?) {
        condition.lock()
        defer { condition.unlock() }
        finished = true
        self.duplicateCount = duplicateCount
        presentCount = alreadyPresent
        problems = diagnostics
        parserFailure = failure
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

    /// Waits for the parser to finish; returns the repeats it dropped and the targets the campaign had.
    @discardableResult
    func waitUntilFinished() -> (duplicates: Int, present: Int) {
        condition.lock()
        defer { condition.unlock() }
        while !finished { condition.wait() }
        return (duplicateCount, presentCount)
    }

    /// Why the parser stopped early (the scratch database failed); meaningful once `pop()` has returned nil.
    var failure: (any Error)? {
        condition.lock()
        defer { condition.unlock() }
        return parserFailure
    }

    /// The parser's problems; meaningful once `pop()` has returned nil.
    var diagnostics: [Diagnostic] {
        condition.lock()
        defer { condition.unlock() }
        return problems
    }
}
