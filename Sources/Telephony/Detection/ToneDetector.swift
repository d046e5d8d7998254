/// Follows runs of pure-tone frames that keep one frequency: a voicemail beep, a fax CED or CNG.
public struct ToneDetector: Sendable {
    /// A run of tone frames so far.
    public struct Run: Sendable, Equatable {
        public var startFrame: Int
        public var frames: Int
        /// The first frame's frequency, which the run must stay near.
        public var frequencyHz: Double
        var sumHz: Double
        /// The run's mean frequency.
        public var meanHz: Double { sumHz / Double(frames) }
    }

    /// How far a frame's frequency may stray from the run's first frame and still continue it.
    public var toleranceHz: Double
    /// Quieter frames are not tones (line noise can look tonal).
    public var minimumDb: Double
    public private(set) var run: Run?

    public init(toleranceHz: Double = 40, minimumDb: Double = -45) {
        self.toleranceHz = toleranceHz
        self.minimumDb = minimumDb
    }

    /// Feeds frame number `index`; returns the current run (nil when this frame is not a tone).
    public mutating func frameAnalysed(_ frame: FrameAnalysis, index: Int) -> Run? {
        guard let hz = frame.toneHz, frame.energyDb > minimumDb else {
            run = nil
            return nil
        }
        if var current = run, abs(hz - current.frequencyHz) <= toleranceHz {
            current.frames += 1
            current.sumHz += hz
            run = current
        } else {
            run = Run(startFrame: index, frames: 1, frequencyHz: hz, sumHz: hz)
        }
        return run
    }
}
