/// `onHuman` / `onMachine`: a prompt to play, for humans the digit that opts out, and where the
/// call is put through (`connect`).
public struct PromptSettings: Sendable, Equatable, Codable {
    /// Absolute path of an 8 kHz mono WAV file.
    public var play: String?
    public var optOutDigit: String?
    /// An agent or bot the answered call is connected to.
    public var connect: ConnectSettings?

    public init(play: String? = nil, optOutDigit: String? = nil, connect: ConnectSettings? = nil) {
        self.play = play
        self.optOutDigit = optOutDigit
        self.connect = connect
    }
}
