/// Decides speech or not for each frame against a tracked noise floor.
///
/// The floor follows quiet frames down quickly and creeps up by `riseDbPerFrame` otherwise, so a
/// noisy line raises it within seconds while speech (short bursts) barely moves it. A frame is
/// speech when it is `marginDb` above the floor and above `floorDb`, and is not a pure tone; once in
/// speech, frames down to `holdMarginDb` above the floor stay speech (hysteresis), so the soft ends
/// of words on a noisy line do not open false pauses.
public struct VoiceActivityDetector: Sendable {
    public var marginDb: Double
    public var floorDb: Double
    public var holdMarginDb: Double
    public var riseDbPerFrame: Double
    public var initialCeilingDb = -35.0
    public private(set) var noiseDb: Double?
    private var inSpeech = false

    public init(marginDb: Double = 10, holdMarginDb: Double = 6, floorDb: Double = -56, riseDbPerFrame: Double = 0.02) {
        self.marginDb = marginDb
        self.holdMarginDb = holdMarginDb
        self.floorDb = floorDb
        self.riseDbPerFrame = riseDbPerFrame
    }

    public mutating func isSpeech(_ frame: FrameAnalysis) -> Bool {
        // The first frame seeds the floor, but never above `initialCeilingDb`: a callee who speaks
        // the moment the call is answered must not become the noise.
        var noise = noiseDb ?? min(frame.energyDb, initialCeilingDb)
        if frame.energyDb < noise {
            noise = 0.7 * noise + 0.3 * frame.energyDb
        } else {
            noise += riseDbPerFrame
        }
        noiseDb = noise
        let threshold = inSpeech ? max(noise + holdMarginDb, floorDb - (marginDb - holdMarginDb)) : max(noise + marginDb, floorDb)
        inSpeech = frame.toneHz == nil && frame.energyDb > threshold
        return inSpeech
    }
}
