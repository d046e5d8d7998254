/// `;name=value;flag` parameters of a header value, in order; names are lower-cased.
public struct HeaderParameters: Sendable, Hashable {
    public var items: [Item]

    public struct Item: Sendable, Hashable {
        public var name: String
        public var value: String?
    }

    public init(_ items: [Item] = []) {
        self.items = items
    }

    /// Parses the text after the first `;` (leading `;` optional). Quoted values keep their quotes.
    public init(parsing text: Substring) {
        var items: [Item] = []
        for piece in Self.split(text) {
            let trimmed = piece.trimmingSIPWhitespace()
            if trimmed.isEmpty { continue }
            if let eq = trimmed.firstIndex(of: "=") {
                items.append(Item(
                    name: String(trimmed[..<eq]).trimmingSIPWhitespace().lowercased(),
                    value: String(trimmed[trimmed.index(after: eq)...]).trimmingSIPWhitespace()))
            } else {
                items.append(Item(name: trimmed.lowercased(), value: nil))
            }
        }
        self.items = items
    }

    public subscript(name: String) -> String? {
        let lowered = name.lowercased()
        return items.first { $0.name == lowered }.map { $0.value ?? "" }
    }

    public mutating func set(_ name: String, _ value: String?) {
        let lowered = name.lowercased()
        if let index = items.firstIndex(where: { $0.name == lowered }) {
            items[index].value = value
        } else {
            items.append(Item(name: lowered, value: value))
        }
    }

    public var serialized: String {
        items.map { ";" + $0.name + ($0.value.map { "=" + $0 } ?? "") }.joined()
    }

    /// Splits at `;` outside quoted strings.
    private static func split(_ text: Substring) -> [String] {
        var parts: [String] = []
        var current = ""
        var inQuotes = false, escaped = false
        for character in text {
            if escaped { escaped = false; current.append(character); continue }
            if character == "\\" && inQuotes { escaped = true }
            if character == "\"" { inQuotes.toggle() }
            if character == ";" && !inQuotes {
                parts.append(current)
                current = ""
                continue
            }
            current.append(character)
        }
        parts.append(current)
        return parts
    }
}
