import Foundation
import Telephony

/// Validates campaign files in one streaming pass, keeping only the problems (capped), counts and
/// the content hash: repeats are found by sorting in a scratch database, so memory does not grow with the file.
public struct CampaignValidator: Sendable {
    public var loader: CampaignLoader

    public init(loader: CampaignLoader) {
        self.loader = loader
    }

    /// What a valid file holds.
    public struct Summary: Sendable, Equatable {
        public var campaignID: String
        /// Contacts that would be imported (repeats not counted).
        public var contactCount: Int
        /// Rows whose target repeated an earlier row's.
        public var duplicateCount: Int
        /// SHA-256 (hex) of the file and its contacts file, as an import would record it.
        public var contentHash: String
    }

    /// Validates the campaign file at `path`: its summary, or every problem. Throws only when the
    /// scratch database fails.
    public func validateFile(at path: String) throws -> Result<Summary, ValidationFailure> {
        let prepared: PreparedCampaign
        do {
            prepared = try loader.prepare(path: path)
        } catch {
            return .failure(error)
        }
        let repeats = try RepeatFinder()
        var hasher = SHA256()
        var summary = Summary(campaignID: prepared.id, contactCount: 0, duplicateCount: 0, contentHash: "")
        var failure: (any Error)?
        let list = loader.readContacts(of: prepared, removingDuplicates: false, observingBytes: {
            hasher.update($0.bindMemory(to: UInt8.self))
        }) { contact in
            guard failure == nil else { return }
            do {
                try repeats.append(contact.target)
                summary.contactCount += 1
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        let diagnostics = prepared.diagnostics + list.diagnostics
        guard diagnostics.isEmpty else { return .failure(ValidationFailure(sortedByLine: diagnostics)) }
        let repeated = try repeats.repeatCount()
        summary.contactCount -= repeated
        summary.duplicateCount = repeated + list.duplicateCount
        summary.contentHash = hex(hasher.finalize())
        return .success(summary)
    }
}
