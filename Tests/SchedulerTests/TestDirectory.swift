import Foundation
@testable import Scheduler

/// A fresh temporary directory per test, removed when the value is deinitialised.
final class TestDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "campaignd-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Writes `text` to `name` (relative, folders created) and returns the full path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, bytes: Array(text.utf8))
    }

    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let full = path + "/" + name
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: full))
        return full
    }
}

extension QueueStore {
    /// Claims the campaign's next due contact, as the dispatcher's batches do one at a time.
    func claimNext(_ campaign: DispatchCampaign, now: Int64 = Timestamp.nowMs()) throws -> ClaimedAttempt? {
        try claimBatch(campaign: campaign, trunk: nil, now: now, after: 0, limit: 1) { _, _, _ in .call(nil) }.claimed.first
    }
}

extension QueueWriter {
    /// Claims the campaign's next due contact through the writer (committed when it returns).
    func claimNext(_ campaign: DispatchCampaign, now: Int64 = Timestamp.nowMs()) async throws -> ClaimedAttempt? {
        try await claimBatch(campaign: campaign, trunk: nil, now: now, after: 0, limit: 1) { _, _, _ in .call(nil) }.claimed.first
    }
}
