/// Decides speech or not for each 20 ms slot against a tracked noise floor.
///
/// The floor follows quiet frames down quickly and creeps up by `riseDbPerFrame` otherwise, so a
/// noisy line raises it within seconds while speech (short bursts) barely moves it. A frame is
/// speech when it is `marginDb` above the floor and above `floorDb`, and is not a pure tone; once in
/// speech, frames down to `holdMarginDb` above the floor stay speech (hysteresis), so the soft ends
/// of words on a noisy line do not open false pauses.
///
/// Two kinds of "noise" need more than that:
/// - a lost packet (or one the sender suppressed) is not heard at all: `frameMissing()` keeps the
///   last decision for up to `concealedFrames` slots (a lost packet is not the end of a word) and
///   then says "not speech", and never moves the floor. Digital silence is treated the same way;
/// - voices in the room behind the callee (babble) rise and fall by many dB where line noise is
///   steady: the floor's mean excursion over non-speech frames is tracked, and whatever of it exceeds
///   `steadyExcursionDb` is added to the margins (times `babbleFactor`); and once the callee has
///   spoken, frames more than `belowPeakDb` under their recent speech peak are not theirs.
public struct VoiceActivityDetector: Sendable {
    public var marginDb: Double
    public var floorDb: Double
    public var holdMarginDb: Double
    public var riseDbPerFrame: Double
    public var initialCeilingDb = -35.0
    public var concealedFrames: Int
    public var steadyExcursionDb: Double
    public var babbleFactor: Double
    /// Tones below this are a voice holding a note, not a beep: they may be speech.
    public var toneMinimumHz: Double
    /// Frames this far below the callee's recent speech peak are someone else (voices across the room).
    public var belowPeakDb: Double
    /// How fast that peak fades while the callee speaks (dB per frame).
    public var peakDecayDbPerFrame = 0.05
    public var peakRiseDbPerFrame = 6.0
    /// The loudest recent speech frame (dBov).
    public private(set) var speechPeakDb: Double?
    /// Speech within this many dB of the callee's recent peak is surely theirs: see `lastFrameStrong`.
    public var strongBelowPeakDb: Double
    /// Whether the last frame was within `strongBelowPeakDb` of the callee's recent speech peak (held
    /// through missing frames). After a pause, speech that is not strong may be voices behind them.
    public private(set) var lastFrameStrong = true
    public private(set) var noiseDb: Double?
    /// Mean height of non-speech frames above the floor (dB).
    public private(set) var excursionDb = 0.0
    private var inSpeech = false
    private var missingRun = 0

    public init(marginDb: Double = 10, holdMarginDb: Double = 6, floorDb: Double = -56, riseDbPerFrame: Double = 0.02,
                concealedFrames: Int = 3, steadyExcursionDb: Double = 4, babbleFactor: Double = 1, toneMinimumHz: Double = 400, belowPeakDb: Double = 20, strongBelowPeakDb: Double = 12) {
        self.marginDb = marginDb
        self.holdMarginDb = holdMarginDb
        self.floorDb = floorDb
        self.riseDbPerFrame = riseDbPerFrame
        self.concealedFrames = concealedFrames
        self.steadyExcursionDb = steadyExcursionDb
        self.babbleFactor = babbleFactor
        self.toneMinimumHz = toneMinimumHz
        self.belowPeakDb = belowPeakDb
        self.strongBelowPeakDb = strongBelowPeakDb
    }

    /// The extra margin that babble earns.
    public var babbleMarginDb: Double { max(0, excursionDb - steadyExcursionDb) * babbleFactor }

    public mutating func isSpeech(_ frame: FrameAnalysis) -> Bool {
        if frame.isDigitalSilence { return frameMissing() }
        missingRun = 0
        // The first frame seeds the floor, but never above `initialCeilingDb`: a callee who speaks
        // the moment the call is answered must not become the noise.
        var noise = noiseDb ?? min(frame.energyDb, initialCeilingDb)
        if frame.energyDb < noise {
            noise = 0.7 * noise + 0.3 * frame.energyDb
        } else {
            noise += riseDbPerFrame
        }
        noiseDb = noise
        let babble = babbleMarginDb
        var threshold = inSpeech ? max(noise + holdMarginDb + babble, floorDb - (marginDb - holdMarginDb))
                                 : max(noise + marginDb + babble, floorDb)
        if let peak = speechPeakDb { threshold = max(threshold, peak - belowPeakDb) }
        inSpeech = (frame.toneHz ?? 0) < toneMinimumHz && frame.energyDb > threshold
        lastFrameStrong = speechPeakDb.map { frame.energyDb >= $0 - strongBelowPeakDb } ?? true
        if let peak = speechPeakDb {
            // It follows the callee's speech (down slowly, up at most `peakRiseDbPerFrame`, so a click
            // does not set it), and holds while they are quiet or only others are heard.
            speechPeakDb = inSpeech && lastFrameStrong ? max(peak - peakDecayDbPerFrame, min(frame.energyDb, peak + peakRiseDbPerFrame)) : peak
        } else if inSpeech {
            speechPeakDb = frame.energyDb
        }
        if !inSpeech { excursionDb += 0.02 * (min(frame.energyDb - noise, 15) - excursionDb) }
        return inSpeech
    }

    /// A slot in which nothing was heard (lost, suppressed, digital silence).
    public mutating func frameMissing() -> Bool {
        missingRun += 1
        if missingRun > concealedFrames { inSpeech = false }
        return inSpeech
    }

    /// RFC 3389 comfort noise: silence at `levelDb` (dBov), which is what the line's noise is.
    public mutating func comfortNoise(levelDb: Double) -> Bool {
        missingRun = 0
        lastFrameStrong = false
        var noise = noiseDb ?? min(levelDb, initialCeilingDb)
        noise = levelDb < noise ? 0.7 * noise + 0.3 * levelDb : noise + riseDbPerFrame
        noiseDb = noise
        inSpeech = false
        return false
    }
}
