import Foundation

/// The format of a WAV (RIFF/WAVE) file, read from its `fmt ` chunk.
///
/// Prompts must be 8 kHz mono G.711 μ-law, A-law or 16-bit PCM so they can be played into a
/// PCMU/PCMA call without resampling; campaign validation checks this, not the call.
public struct WAVFormat: Sendable, Equatable {
    public enum Encoding: String, Sendable, Equatable {
        case pcm16 = "16-bit PCM"
        case muLaw = "G.711 mu-law"
        case aLaw = "G.711 A-law"
    }

    public var encoding: Encoding
    public var sampleRate: Int
    public var channels: Int
    /// Byte offset of the first sample in the file.
    public var dataOffset: Int
    /// Length of the `data` chunk in bytes.
    public var dataLength: Int

    /// Why this audio cannot go into a PCMU/PCMA call as it is (it must be 8 kHz mono), or nil.
    public var unplayableReason: String? {
        sampleRate == 8000 && channels == 1 ? nil : Self.unplayableReason(sampleRate: sampleRate, channels: channels)
    }

    static func unplayableReason(sampleRate: Int, channels: Int) -> String {
        "is \(sampleRate) Hz with \(channels) channel(s); expected 8000 Hz mono"
    }

    public var durationSeconds: Double {
        let bytesPerSample = encoding == .pcm16 ? 2 : 1
        return Double(dataLength) / Double(bytesPerSample * channels * max(sampleRate, 1))
    }

    public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        case unreadable(String)
        case notWAV
        case truncated
        case missingChunk(String)
        case unsupportedEncoding(formatTag: Int, bitsPerSample: Int)

        public var description: String {
            switch self {
            case .unreadable(let reason): "cannot be read (\(reason))"
            case .notWAV: "is not a WAV file (no RIFF/WAVE header)"
            case .truncated: "is truncated"
            case .missingChunk(let name): "has no \"\(name)\" chunk"
            case .unsupportedEncoding(let tag, let bits):
                "uses an unsupported encoding (format tag \(tag), \(bits) bits); expected mu-law, A-law or 16-bit PCM"
            }
        }
    }

    /// Reads the header of the WAV file at `path`.
    public init(contentsOfFile path: String) throws(ParseError) {
        let bytes: [UInt8]
        do {
            bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw .unreadable((error as NSError).localizedDescription)
        }
        try self.init(bytes: bytes)
    }

    public init(bytes: [UInt8]) throws(ParseError) {
        func le16(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 }
        func le32(_ i: Int) -> Int { le16(i) | le16(i + 2) << 16 }
        func tag(_ i: Int) -> String { String(decoding: bytes[i..<i + 4], as: UTF8.self) }

        guard bytes.count >= 12, tag(0) == "RIFF", tag(8) == "WAVE" else { throw .notWAV }
        var offset = 12
        var format: (tag: Int, channels: Int, rate: Int, bits: Int)?
        while offset + 8 <= bytes.count {
            let id = tag(offset)
            let size = le32(offset + 4)
            let body = offset + 8
            if id == "fmt " {
                guard size >= 16, body + 16 <= bytes.count else { throw .truncated }
                var formatTag = le16(body)
                // WAVE_FORMAT_EXTENSIBLE keeps the real tag in the first two bytes of the sub-format GUID.
                if formatTag == 0xFFFE, size >= 40, body + 26 <= bytes.count {
                    formatTag = le16(body + 24)
                }
                format = (formatTag, le16(body + 2), le32(body + 4), le16(body + 14))
            } else if id == "data" {
                guard let format else { throw .missingChunk("fmt ") }
                let encoding: Encoding
                switch (format.tag, format.bits) {
                case (1, 16): encoding = .pcm16
                case (6, 8): encoding = .aLaw
                case (7, 8): encoding = .muLaw
                default: throw .unsupportedEncoding(formatTag: format.tag, bitsPerSample: format.bits)
                }
                self.encoding = encoding
                self.sampleRate = format.rate
                self.channels = format.channels
                self.dataOffset = body
                // Streaming writers leave the size at 0 or 0xFFFFFFFF; trust the file length then.
                let available = bytes.count - body
                self.dataLength = (size == 0 || size > available) ? available : size
                return
            }
            offset = body + size + (size & 1)
        }
        throw format == nil ? .missingChunk("fmt ") : .missingChunk("data")
    }
}
