import Foundation

/// What the detectors need to know about one 20 ms frame of 8 kHz audio: its level, whether it is
/// digital silence (what a receiver hands on for a lost packet), and whether it is a pure tone (a
/// beep, a fax tone, a SIT segment) and at what frequency.
public struct FrameAnalysis: Sendable, Equatable {
    /// Mean power in dB relative to a full-scale square wave (dBov); about -90 for digital silence.
    public var energyDb: Double
    /// The frequency of the strongest pure tone, when the frame is one (purity above the threshold
    /// and no second harmonic to speak of).
    public var toneHz: Double?
    /// The share of the frame's energy at `toneHz` (1 for a pure sine).
    public var purity: Double
    /// The power at twice the tone's frequency relative to the tone's, in dB (voiced speech has a
    /// strong second harmonic; a beep has none). -100 when not measured.
    public var secondHarmonicDb: Double
    /// Every sample within one μ-law step of zero: nothing was heard, not even line noise.
    public var isDigitalSilence: Bool

    public static let sampleRate = 8000.0
    public static let fullScaleDb = 20 * log10(32768.0)
    /// The largest sample of "digital silence": one step of G.711 μ-law (decoded 0 or ±8). Lines
    /// always carry some noise; a receiver that fills a lost packet with silence does not.
    public static let digitalSilencePeak: Int16 = 8

    /// Analyses `samples` (normally 160 of them).
    ///
    /// The tone estimate is cheap: zero crossings give a first frequency, then Goertzel filters at and
    /// around it measure how much of the energy sits there. Speech, with many harmonics, stays well
    /// below 0.9; a beep is above 0.95. A steady vowel can concentrate most of its energy in its
    /// fundamental, so a tone must also lack the second harmonic (`maximumHarmonicDb`).
    public init(_ samples: ArraySlice<Int16>, purityThreshold: Double = 0.8, maximumHarmonicDb: Double = -20) {
        var energy = 0.0
        var crossings = 0
        var peak: Int16 = 0
        var previousNegative = (samples.first ?? 0) < 0
        for sample in samples {
            let value = Double(sample)
            energy += value * value
            let magnitude = sample == Int16.min ? Int16.max : abs(sample)
            if magnitude > peak { peak = magnitude }
            let negative = sample < 0
            if negative != previousNegative { crossings += 1 }
            previousNegative = negative
        }
        let count = Double(max(samples.count, 1))
        energyDb = 10 * log10(energy / count + 1e-3) - Self.fullScaleDb
        isDigitalSilence = peak <= Self.digitalSilencePeak
        purity = 0
        toneHz = nil
        secondHarmonicDb = -100
        let estimate = Double(crossings) / 2 / (count / Self.sampleRate)
        guard !isDigitalSilence, energy > 0, estimate > 200, estimate < 3400 else { return }
        var bestHz = estimate
        var bestPower = 0.0
        for offset in [-25.0, -12.5, 0, 12.5, 25] {
            let power = Self.goertzelPower(samples, frequency: estimate + offset)
            let share = power * 2 / (count * energy)
            if share > purity {
                purity = share
                bestHz = estimate + offset
                bestPower = power
            }
        }
        guard purity >= purityThreshold else { return }
        if 2 * bestHz < Self.sampleRate / 2 - 100 {
            let harmonic = Self.goertzelPower(samples, frequency: 2 * bestHz)
            secondHarmonicDb = 10 * log10((harmonic + 1e-9) / (bestPower + 1e-9))
        }
        if secondHarmonicDb <= maximumHarmonicDb { toneHz = bestHz }
    }

    /// Goertzel's algorithm: the power of one DFT bin at `frequency`.
    static func goertzelPower(_ samples: ArraySlice<Int16>, frequency: Double) -> Double {
        let coefficient = 2 * cos(2 * Double.pi * frequency / sampleRate)
        var s1 = 0.0
        var s2 = 0.0
        for sample in samples {
            let s0 = Double(sample) + coefficient * s1 - s2
            s2 = s1
            s1 = s0
        }
        return s1 * s1 + s2 * s2 - coefficient * s1 * s2
    }
}
