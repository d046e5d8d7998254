/// The HTTP version of a message: 1.0 or 1.1 (what this layer speaks).
public struct HTTPVersion: Hashable, Sendable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    public static let http1_0 = HTTPVersion(major: 1, minor: 0)
    public static let http1_1 = HTTPVersion(major: 1, minor: 1)

    public var description: String { "HTTP/\(major).\(minor)" }

    /// "HTTP/1.1" → 1.1; nil for anything else than HTTP/ DIGIT "." DIGIT (RFC 9112 §2.3).
    init?(_ text: Substring) {
        let bytes = Array(text.utf8)
        guard bytes.count == 8, bytes.starts(with: Array("HTTP/".utf8)), bytes[6] == UInt8(ascii: "."),
              (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[5]), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[7])
        else { return nil }
        major = Int(bytes[5] - UInt8(ascii: "0"))
        minor = Int(bytes[7] - UInt8(ascii: "0"))
    }
}
