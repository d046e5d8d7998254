/// Key presses carried in SIP INFO bodies (the pre-RFC 4733 way many PBXs and carriers still use):
/// `application/dtmf-relay` (`Signal=5` and `Duration=160` lines, Cisco's format) and
/// `application/dtmf` (the bare key, or its RFC 4733 event code).
public enum DTMFInfoBody {
    /// The key `body` carries, or nil when its content type is neither or it names no key.
    public static func digit(contentType: String?, body: [UInt8]) -> Character? {
        guard let contentType else { return nil }
        let type = (contentType.split(separator: ";").first.map { $0.trimmingSIPWhitespace() } ?? "").lowercased()
        let text = String(decoding: body, as: UTF8.self)
        switch type {
        case "application/dtmf-relay":
            for line in text.split(whereSeparator: \.isNewline) {
                let pair = line.split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0].trimmingSIPWhitespace().lowercased() == "signal" {
                    return key(pair[1].trimmingSIPWhitespace())
                }
            }
            return nil
        case "application/dtmf":
            return key(text.trimmingSIPWhitespace())
        default:
            return nil
        }
    }

    /// `5`, `*`, `#`, `A`-`D`, or an RFC 4733 event code (10 is `*`, 11 is `#`, 12-15 are A-D).
    static func key(_ text: String) -> Character? {
        if text.count == 1, let character = text.uppercased().first, "0123456789*#ABCD".contains(character) { return character }
        guard let code = Int(text), (0...15).contains(code) else { return nil }
        return Array("0123456789*#ABCD")[code]
    }
}
