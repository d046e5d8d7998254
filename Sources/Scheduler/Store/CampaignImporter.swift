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
