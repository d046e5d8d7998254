/// What we need from the callee's SDP answer (RFC 3264): where to send RTP and in which codec.
public struct SDPAnswer: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// The first of PCMU/PCMA in the answer's `m=audio` format list.
    public var law: G711.Law
    /// The payload type the callee uses for telephone-event, when it accepted it.
    public var telephoneEventPayloadType: UInt8?
    /// The payload type of RFC 3389 comfort noise, when the callee accepted it.
    public var comfortNoisePayloadType: UInt8?
    /// RFC 3605 `a=rtcp:` port, when the callee's RTCP is not on RTP port + 1.
    public var rtcpPort: Int?

    public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        case noAudio
        case noAddress
        case noCommonCodec(String)

        public var description: String {
            switch self {
            case .noAudio: "the SDP answer has no audio stream"
            case .noAddress: "the SDP answer has no connection address"
            case .noCommonCodec(let formats): "the SDP answer offers no PCMU or PCMA (formats \(formats))"
            }
        }
    }

    public init(parsing text: String) throws(ParseError) {
        var sessionHost: String?
        var mediaHost: String?
        var audio: (port: Int, formats: [Int])?
        var eventType: UInt8?
        var noiseType: UInt8?
        var rtcpPort: Int?
        var inAudio = false
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = String(rawLine)
            if line.hasPrefix("m=") {
                let fields = line.dropFirst(2).split(separator: " ")
                inAudio = fields.first == "audio" && audio == nil
                if inAudio, fields.count >= 4, let port = Int(fields[1]) {
                    audio = (port, fields.dropFirst(3).compactMap { Int($0) })
                }
            } else if line.hasPrefix("c=") {
                let fields = line.dropFirst(2).split(separator: " ")
                guard fields.count >= 3 else { continue }
                let host = String(fields[2].split(separator: "/").first ?? fields[2])
                if audio == nil { sessionHost = host } else if inAudio { mediaHost = host }
            } else if inAudio, line.hasPrefix("a=rtpmap:") {
                let fields = line.dropFirst(9).split(separator: " ")
                if fields.count == 2, fields[1].lowercased().hasPrefix("telephone-event/"), let type = UInt8(fields[0]) {
                    eventType = type
                }
                if fields.count == 2, fields[1].lowercased().hasPrefix("cn/8000"), let type = UInt8(fields[0]) {
                    noiseType = type
                }
            } else if inAudio, line.hasPrefix("a=rtcp:") {
                rtcpPort = line.dropFirst(7).split(separator: " ").first.flatMap { Int($0) }
            }
        }
        guard let audio, audio.port > 0 else { throw .noAudio }
        guard let host = mediaHost ?? sessionHost else { throw .noAddress }
        guard let law = audio.formats.lazy.compactMap({ G711.Law(payloadType: $0) }).first else {
            throw .noCommonCodec(audio.formats.map(String.init).joined(separator: " "))
        }
        self.host = host
        self.port = audio.port
        self.law = law
        self.telephoneEventPayloadType = eventType
        // Static payload type 13 is CN (RFC 3551) even without an rtpmap line.
        self.comfortNoisePayloadType = noiseType ?? (audio.formats.contains(13) ? 13 : nil)
        self.rtcpPort = rtcpPort
    }
}
