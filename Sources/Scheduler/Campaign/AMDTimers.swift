/// `amd.timers`, in milliseconds from the 200 OK.
public struct AMDTimers: Sendable, Equatable, Codable {
    public var noSpeechTimeoutMs: Int = 5000
    public var decisionTimeoutMs: Int = 15000
    public var toneTimeoutMs: Int = 20000
    public var greetingCompletionTimeoutMs: Int = 2000

    public init() {}
}
