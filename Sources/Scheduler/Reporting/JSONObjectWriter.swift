/// Writes one JSON object member by member, in the order given: CDR lines and webhook bodies keep
/// their documented key order. Names are written as given (they are constants here).
public struct JSONObjectWriter: Sendable {
    public init() {}

    private var text = "{"
    private var empty = true

    private mutating func name(_ name: String) {
        text += empty ? "\"" : ",\""
        empty = false
        text += name + "\":"
    }

    public mutating func string(_ key: String, _ value: String?) {
        name(key)
        if let value { JSONNode.appendQuoted(value, to: &text) } else { text += "null" }
    }

    public mutating func number<N: BinaryInteger>(_ key: String, _ value: N?) {
        name(key)
        text += value.map { String($0) } ?? "null"
    }

    /// A fractional number, rounded to milliseconds (durations in seconds); null when not finite.
    public mutating func seconds(_ key: String, _ value: Double?) {
        name(key)
        guard let value, value.isFinite else { text += "null"; return }
        let rounded = (value * 1000).rounded() / 1000
        text += rounded == rounded.rounded() && abs(rounded) < 1e15 ? String(Int64(rounded)) : String(rounded)
    }

    /// Unix milliseconds as ISO 8601 UTC.
    public mutating func time(_ key: String, _ ms: Int64?) {
        string(key, ms.map(Timestamp.iso8601))
    }

    public mutating func bool(_ key: String, _ value: Bool?) {
        name(key)
        text += value.map { $0 ? "true" : "false" } ?? "null"
    }

    /// `json` is already JSON (an object or array).
    public mutating func raw(_ key: String, _ json: String) {
        name(key)
        text += json
    }

    public var result: String { text + "}" }
}
