import Foundation

/// Test signals at 8 kHz: silence with a little noise, pure tones, and a speech-like buzz.
enum SyntheticAudio {
    /// A deterministic generator, so every run hears the same "noise".
    struct Noise {
        var state: UInt64 = 0x9E3779B97F4A7C15
        mutating func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) - 0.5
        }
    }

    static func samples(ms: Int) -> Int { ms * 8 }

    /// Line noise about -60 dBov.
    static func silence(ms: Int, noise: inout Noise) -> [Int16] {
        (0..<samples(ms: ms)).map { _ in Int16(noise.next() * 60) }
    }

    static func tone(_ hz: Double, ms: Int, amplitude: Double = 8000) -> [Int16] {
        (0..<samples(ms: ms)).map { Int16(amplitude * sin(2 * .pi * hz * Double($0) / 8000)) }
    }

    /// A voiced buzz: 14 harmonics of a wandering 110-150 Hz pitch under a syllable-rate envelope,
    /// about -20 dBov: what a detector sees of speech, without being a tone.
    static func speech(ms: Int, noise: inout Noise, seed: Double = 0) -> [Int16] {
        var phase = 0.0
        return (0..<samples(ms: ms)).map { index in
            let t = Double(index) / 8000
            let pitch = 130 + 20 * sin(2 * .pi * 1.3 * t + seed)
            phase += 2 * .pi * pitch / 8000
            var value = 0.0
            for harmonic in 1...14 { value += sin(Double(harmonic) * phase + Double(harmonic) * seed) / Double(harmonic) }
            let envelope = 0.45 + 0.55 * abs(sin(2 * .pi * 3.5 * t + seed))
            return Int16(max(-32000, min(32000, 2600 * envelope * value + noise.next() * 60)))
        }
    }
}
