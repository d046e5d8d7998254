/// Follows runs of pure-tone frames that keep one frequency: a voicemail beep, a fax CED or CNG.
public struct ToneDetector: Sendable {
    /// A run of tone frames so far.
    public struct Run: Sendable, Equatable {
        public var startFrame: Int
        /// Frames since the run started, missing frames inside it included.
        public var frames: Int
        /// The first frame's frequency, which the run must stay near.
        public var frequencyHz: Double
        var sumHz: Double
        var heard: Int
        /// The run's mean frequency over the frames heard.
        public var meanHz: Double { sumHz / Double(max(heard, 1)) }
    }

    /// How far a frame's frequency may stray from the run's first frame and still continue it.
    public var toleranceHz: Double
    /// Quieter frames are not tones (line noise can look tonal).
    public var minimumDb: Double
    /// Missing frames (lost packets) a run survives: a lost packet is not the end of a beep.
    public var concealedFrames: Int
    public private(set) var run: Run?
    private var missingRun = 0

    public init(toleranceHz: Double = 40, minimumDb: Double = -45, concealedFrames: Int = 3) {
        self.toleranceHz = toleranceHz
        self.minimumDb = minimumDb
        self.concealedFrames = concealedFrames
    }

    /// Feeds frame number `index`; returns the current run (nil when this frame is not a tone).
    public mutating func frameAnalysed(_ frame: FrameAnalysis, index: Int) -> Run? {
        missingRun = 0
        guard let hz = frame.toneHz, frame.energyDb > minimumDb else {
            run = nil
            return nil
        }
        if var current = run, abs(hz - current.frequencyHz) <= toleranceHz {
            current.frames = index - current.startFrame + 1
            current.sumHz += hz
            current.heard += 1
            run = current
        } else {
            run = Run(startFrame: index, frames: 1, frequencyHz: hz, sumHz: hz, heard: 1)
        }
        return run
    }

    /// Frame number `index` never came: a run goes on through up to `concealedFrames` of them.
    public mutating func frameMissing(index: Int) -> Run? {
        missingRun += 1
        guard var current = run, missingRun <= concealedFrames else {
            run = nil
            return nil
        }
        current.frames = index - current.startFrame + 1
        run = current
        return current
    }
}
