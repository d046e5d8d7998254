import Foundation
import Telephony

/// Prompt files decoded and encoded once and shared by every call that plays them.
// @unchecked Sendable: `lock` guards `prompts`.
final class PromptCache: @unchecked Sendable {
    private let lock = NSLock()
    private var prompts: [String: PromptAudio] = [:]

    /// The prompt at `path` (validated when the campaign was imported).
    func prompt(at path: String) throws(WAVAudio.LoadError) -> PromptAudio {
        if let cached = lock.withLock({ prompts[path] }) { return cached }
        let audio = PromptAudio(samples: try WAVAudio(contentsOfFile: path).samples)
        lock.withLock { prompts[path] = audio }
        return audio
    }
}
