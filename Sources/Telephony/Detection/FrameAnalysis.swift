import Foundation

/// What the detectors need to know about one 20 ms frame of 8 kHz audio: its level and whether it
/// is a pure tone (a beep or a fax tone) and at what frequency.
public struct FrameAnalysis: Sendable, Equatable {
    /// Mean power in dB relative to a full-scale square wave (dBov); about -90 for digital silence.
    public var energyDb: Double
    /// The frequency of the strongest pure tone, when the frame is one (purity above the threshold).
    public var toneHz: Double?
    /// The share of the frame's energy at `toneHz` (1 for a pure sine).
    public var purity: Double

    public static let sampleRate = 8000.0
    public static let fullScaleDb = 20 * log10(32768.0)

    /// Analyses `samples` (normally 160 of them).
    ///
    /// The tone estimate is cheap: zero crossings give a first frequency, then Goertzel filters at and
    /// around it measure how much of the energy sits there. Speech, with many harmonics, stays well
    /// below 0.9; a beep is above 0.95.
    public init(_ samples: ArraySlice<Int16>, purityThreshold: Double = 0.8) {
        var energy = 0.0
        var crossings = 0
        var previousNegative = (samples.first ?? 0) < 0
        for sample in samples {
            let value = Double(sample)
            energy += value * value
            let negative = sample < 0
            if negative != previousNegative { crossings += 1 }
            previousNegative = negative
        }
        let count = Double(max(samples.count, 1))
        energyDb = 10 * log10(energy / count + 1e-3) - Self.fullScaleDb
        purity = 0
        toneHz = nil
        let estimate = Double(crossings) / 2 / (count / Self.sampleRate)
        guard energy > 0, estimate > 200, estimate < 3400 else { return }
        var bestHz = estimate
        for offset in [-25.0, -12.5, 0, 12.5, 25] {
            let share = Self.goertzelPower(samples, frequency: estimate + offset) * 2 / (count * energy)
            if share > purity {
                purity = share
                bestHz = estimate + offset
            }
        }
        if purity >= purityThreshold { toneHz = bestHz }
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
