import Foundation
import Telephony

/// Imports campaign files with validation and insertion overlapped on three threads.
///
/// A parser thread streams the file, validating and normalising contact rows into a bounded queue;
/// a hashing thread fingerprints exactly the bytes the parser read; the calling thread inserts the
/// contacts in chunks, each its own transaction (`QueueStore.importNewContacts`), invisible until
/// the last, and then removes repeats found in one sorted pass. A problem in any row removes what
/// was inserted, so a file still imports all or nothing. Memory does not grow with the file.
///
/// Between two chunks of a file another, smaller one may be imported whole (`ImportGap`), so that a
/// big file does not hold up the files dropped after it.
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
    ///
    /// - Parameter betweenChunks: called on the calling thread whenever the import holds no
    ///   transaction (after each chunk); it may import other files through the gap it is given.
    public func importFile(at path: String, betweenChunks: (ImportGap) throws -> Void = { _ in }) throws -> Outcome {
        let prepared: PreparedCampaign
        do {
            prepared = try loader.prepare(path: path)
        } catch {
            return .invalid(error)
        }
        return try store.withImportLock { () throws -> Outcome in
            try importLocked(prepared) { try betweenChunks(ImportGap(importer: self, importing: prepared.id)) }
        }
    }

    /// Imports `prepared`; the caller holds the import lock.
    func importLocked(_ prepared: PreparedCampaign, betweenChunks: () throws -> Void) throws -> Outcome {
        guard prepared.diagnostics.isEmpty else {
            // The settings are already wrong: read the rows only to report their problems too.
            let list = loader.readContacts(of: prepared, removingDuplicates: false, observingBytes: nil) { _ in }
            return .invalid(ValidationFailure(sortedByLine: prepared.diagnostics + list.diagnostics))
        }
        if try store.campaignKey(of: prepared.id) != nil,
           let at = try store.importedAt(campaignID: prepared.id, contentHash: prepared.contentHash()) {
            // The same content again: known from one read of the file, before any row is inserted.
            var result = ImportResult(campaignID: prepared.id)
            result.alreadyImportedAt = at
            return .imported(result)
        }
        return try importRows(of: prepared, betweenChunks: betweenChunks)
    }

    private func importRows(of prepared: PreparedCampaign, betweenChunks: () throws -> Void) throws -> Outcome {
        let queue = ContactBatchQueue(capacity: 16)
        let hash = ContentHashThread(capacity: 8)
        let loader = self.loader
        let parser = Thread {
            var batch: [ContactSpec] = []
            batch.reserveCapacity(Self.batchSize)
            let list = loader.readContacts(of: prepared, removingDuplicates: false, observingBytes: { hash.push($0) }) { contact in
                batch.append(contact)
                if batch.count == Self.batchSize {
                    queue.push(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            hash.finish()
            if !batch.isEmpty { queue.push(batch) }
            // Inline JSON contacts come with their repeats already dropped and counted.
            queue.finish(duplicateCount: list.duplicateCount, diagnostics: list.diagnostics)
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
                let diagnostics = queue.diagnostics
                if !diagnostics.isEmpty { throw ValidationFailure(sortedByLine: diagnostics) }
                return nil
            }, fingerprint: { hash.waitForHash() }, betweenChunks: betweenChunks)
            let inlineDuplicates = queue.waitUntilFinished()
            if result.alreadyImportedAt == nil { result.duplicatesInFile += inlineDuplicates }
            return .imported(result)
        } catch let failure as ValidationFailure {
            return .invalid(failure)
        }
    }
}
