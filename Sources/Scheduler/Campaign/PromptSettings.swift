/// `onHuman` / `onMachine`: a prompt to play and, for humans, the digit that opts out.
public struct PromptSettings: Sendable, Equatable, Codable {
    /// Absolute path of an 8 kHz mono WAV file.
    public var play: String?
    public var optOutDigit: String?

    public init(play: String? = nil, optOutDigit: String? = nil) {
        self.play = play
        self.optOutDigit = optOutDigit
    }
}
