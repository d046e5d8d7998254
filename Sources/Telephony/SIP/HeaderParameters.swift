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
    public init<Text: StringProtocol>(parsing text: Text) {
        items = text.withSIPBytes { bytes in Self.items(bytes, 0, bytes.count) }
    }

    /// The parameters in `lo..<hi`: pieces split at `;` outside quoted strings.
    static func items(_ bytes: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> [Item] {
        var items: [Item] = []
        var start = lo, index = lo
        var inQuotes = false
        func piece(_ lo: Int, _ hi: Int) {
            let (lo, hi) = SIPBytes.trimmed(bytes, lo, hi)
            guard lo < hi else { return }
            if let eq = SIPBytes.firstIndex(of: UInt8(ascii: "="), in: bytes, lo, hi) {
                let (nameLo, nameHi) = SIPBytes.trimmed(bytes, lo, eq)
                items.append(Item(name: SIPBytes.lowercasedString(bytes, nameLo, nameHi),
                                  value: SIPBytes.trimmedString(bytes, eq + 1, hi)))
            } else {
                items.append(Item(name: SIPBytes.lowercasedString(bytes, lo, hi), value: nil))
            }
        }
        while index < hi {
            switch bytes[index] {
            case UInt8(ascii: "\\") where inQuotes: index += 1
            case UInt8(ascii: "\""): inQuotes.toggle()
            case UInt8(ascii: ";") where !inQuotes:
                piece(start, index)
                start = index + 1
            default: break
            }
            index += 1
        }
        piece(start, min(index, hi))
        return items
    }

    public subscript(name: String) -> String? {
        let lowered = name.utf8.contains(where: { (0x41...0x5A).contains($0) || $0 >= 0x80 }) ? name.lowercased() : name
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
}
