/// A prompt decoded once and encoded once in each G.711 law, shared read-only by every call that
/// plays it (a class, so thousands of calls hold one copy).
public final class PromptAudio: Sendable {
    /// 8 kHz linear samples.
    public let samples: [Int16]
    /// The samples as PCMU and PCMA payload bytes.
    public let muLaw: [UInt8]
    public let aLaw: [UInt8]

    public init(samples: [Int16]) {
        self.samples = samples
        muLaw = samples.map(G711.muLaw)
        aLaw = samples.map(G711.aLaw)
    }

    /// The payload bytes for `law`.
    public func encoded(_ law: G711.Law) -> [UInt8] {
        law == .muLaw ? muLaw : aLaw
    }

    /// How long it plays, in milliseconds.
    public var durationMs: Int { samples.count / 8 }
}
