import Foundation

/// A whole WAV file decoded to 16-bit linear samples: a prompt to play or a recording to analyse.
///
/// Only 8 kHz mono μ-law, A-law or 16-bit PCM is accepted, so nothing is ever resampled mid-call.
public struct WAVAudio: Sendable, Equatable {
    public var format: WAVFormat
    public var samples: [Int16]

    public enum LoadError: Error, Sendable, Equatable, CustomStringConvertible {
        case format(path: String, WAVFormat.ParseError)
        case notNarrowbandMono(path: String, sampleRate: Int, channels: Int)

        public var description: String {
            switch self {
            case .format(let path, let error): "\(path) \(error)"
            case .notNarrowbandMono(let path, let rate, let channels):
                "\(path) " + WAVFormat.unplayableReason(sampleRate: rate, channels: channels)
            }
        }
    }

    public init(contentsOfFile path: String) throws(LoadError) {
        let bytes: [UInt8]
        do {
            bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw .format(path: path, .unreadable((error as NSError).localizedDescription))
        }
        do {
            try self.init(bytes: bytes)
        } catch let error {
            switch error {
            case .format(_, let parse): throw .format(path: path, parse)
            case .notNarrowbandMono(_, let rate, let channels): throw .notNarrowbandMono(path: path, sampleRate: rate, channels: channels)
            }
        }
    }

    public init(bytes: [UInt8]) throws(LoadError) {
        let format: WAVFormat
        do {
            format = try WAVFormat(bytes: bytes)
        } catch {
            throw .format(path: "", error)
        }
        guard format.unplayableReason == nil else {
            throw .notNarrowbandMono(path: "", sampleRate: format.sampleRate, channels: format.channels)
        }
        let data = bytes[format.dataOffset..<format.dataOffset + format.dataLength]
        switch format.encoding {
        case .muLaw: samples = data.map { G711.muLawToLinear[Int($0)] }
        case .aLaw: samples = data.map { G711.aLawToLinear[Int($0)] }
        case .pcm16:
            var out = [Int16]()
            out.reserveCapacity(data.count / 2)
            var index = data.startIndex
            while index + 1 < data.endIndex {
                out.append(Int16(bitPattern: UInt16(data[index]) | UInt16(data[index + 1]) << 8))
                index += 2
            }
            samples = out
        }
        self.format = format
    }

    public var durationMs: Int { samples.count / 8 }

    /// The audio encoded for an RTP stream using `law` (μ-law from a μ-law file is copied bit-exact).
    public func encoded(as law: G711.Law) -> [UInt8] {
        samples.map(law.encode)
    }
}
