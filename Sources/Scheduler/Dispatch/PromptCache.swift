import Foundation
import Telephony

/// Prompt files decoded once and shared by every call that plays them.
// @unchecked Sendable: `lock` guards `samples`.
final class PromptCache: @unchecked Sendable {
    private let lock = NSLock()
    private var samples: [String: [Int16]] = [:]

    /// The decoded prompt at `path` (validated when the campaign was imported).
    func prompt(at path: String) throws(WAVAudio.LoadError) -> [Int16] {
        if let cached = lock.withLock({ samples[path] }) { return cached }
        let audio = try WAVAudio(contentsOfFile: path)
        lock.withLock { samples[path] = audio.samples }
        return audio.samples
    }
}
