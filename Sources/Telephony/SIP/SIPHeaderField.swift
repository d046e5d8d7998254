/// One header field line of a SIP message: canonical name and value (folding undone, trimmed).
public struct SIPHeaderField: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = SIPHeaderField.canonicalName(name)
        self.value = value
    }

    /// A field whose name is already canonical (from `canonicalName`).
    init(canonicalName: String, value: String) {
        self.name = canonicalName
        self.value = value
    }

    // RFC 3261 §7.3.3 compact forms.
    private static let compactForms: [String: String] = [
        "i": "Call-ID", "m": "Contact", "e": "Content-Encoding", "l": "Content-Length", "c": "Content-Type",
        "f": "From", "s": "Subject", "k": "Supported", "t": "To", "v": "Via",
    ]

    private static let knownNames: [String: String] = {
        let names = [
            "Accept", "Allow", "Authorization", "Call-ID", "Contact", "Content-Disposition", "Content-Encoding",
            "Content-Length", "Content-Type", "CSeq", "Date", "Expires", "From", "Max-Forwards", "Proxy-Authenticate",
            "Proxy-Authorization", "Reason", "Record-Route", "Require", "Retry-After", "Route", "Server", "Subject",
            "Supported", "To", "Unsupported", "User-Agent", "Via", "Warning", "WWW-Authenticate", "P-Asserted-Identity",
            "P-Preferred-Identity", "User-to-User", "Session-Expires", "Min-SE",
        ]
        return Dictionary(uniqueKeysWithValues: names.map { ($0.lowercased(), $0) })
    }()

    private static let canonicalNames = Set(knownNames.values)

    /// The known names as bytes, by length, for matching received names without building a String.
    private static let knownNamesByLength: [[(bytes: [UInt8], name: String)]] = {
        var table = [[(bytes: [UInt8], name: String)]](repeating: [], count: 32)
        for name in knownNames.values where name.utf8.count < table.count {
            table[name.utf8.count].append((Array(name.utf8).map(SIPBytes.lowered), name))
        }
        for (compact, name) in compactForms { table[1].append((Array(compact.utf8), name)) }
        return table
    }()

    /// `canonicalName` of the name in `lo..<hi`: the shared canonical String for known and compact
    /// names, the text as written otherwise.
    static func canonicalName(_ bytes: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> String {
        let length = hi - lo
        if length < knownNamesByLength.count {
            candidates: for candidate in knownNamesByLength[length] {
                for offset in 0..<length where SIPBytes.lowered(bytes[lo + offset]) != candidate.bytes[offset] { continue candidates }
                return candidate.name
            }
        }
        return SIPBytes.string(bytes, lo, hi)
    }

    /// Whether this field is header `canonical` (a name from `canonicalName`): header names are
    /// case-insensitive, compared here byte by byte without building lower-cased copies.
    func isNamed(_ canonical: String) -> Bool {
        if name == canonical { return true }
        let left = name.utf8, right = canonical.utf8
        guard left.count == right.count else { return false }
        return zip(left, right).allSatisfy { SIPBytes.lowered($0) == SIPBytes.lowered($1) }
    }

    /// The full, conventionally capitalised name for `name` (compact forms expanded, case folded for
    /// known headers; unknown names are kept as written, since header names are case-insensitive).
    public static func canonicalName(_ name: String) -> String {
        // Most names arrive already canonical ("Call-ID", "Via"): no lower-casing needed then.
        if canonicalNames.contains(name) { return name }
        let lowered = name.lowercased()
        if let full = compactForms[lowered] { return full }
        return knownNames[lowered] ?? name
    }
}
