/// A parsed JSON value that remembers the line it started on and keeps object keys in order.
public struct JSONNode: Sendable {
    public indirect enum Value: Sendable {
        case null
        case bool(Bool)
        /// The number and its source text (kept so integers are not judged through a Double).
        case number(Double, text: String)
        case string(String)
        case array([JSONNode])
        case object([(key: String, node: JSONNode)])
    }

    public var value: Value
    public var location: SourceLocation

    public init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }

    /// What a user would call this kind of value in an error message.
    public var kindName: String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    public var objectPairs: [(key: String, node: JSONNode)]? {
        if case .object(let pairs) = value { return pairs }
        return nil
    }

    public subscript(key: String) -> JSONNode? {
        objectPairs?.first { $0.key == key }?.node
    }

    /// Returns `overlay` laid over `self`: objects merge key by key (recursively), anything else is replaced.
    ///
    /// Each value keeps its own location, so an error in a merged value still names the file it came from.
    public func merged(with overlay: JSONNode) -> JSONNode {
        guard case .object(var base) = value, case .object(let top) = overlay.value else { return overlay }
        // An index, not a search per key: a campaign of a million keys merges in linear time.
        var indexOf = Dictionary(base.enumerated().map { ($0.element.key, $0.offset) }, uniquingKeysWith: { first, _ in first })
        for (key, node) in top {
            if let index = indexOf[key] {
                base[index].node = base[index].node.merged(with: node)
            } else {
                indexOf[key] = base.count
                base.append((key, node))
            }
        }
        return JSONNode(.object(base), at: overlay.location)
    }

    /// Compact JSON text of this value, keys in their original order.
    public var serialized: String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .number(_, let text): out += text
        case .string(let text): JSONNode.appendQuoted(text, to: &out)
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let pairs):
            out += "{"
            for (index, pair) in pairs.enumerated() {
                if index > 0 { out += "," }
                JSONNode.appendQuoted(pair.key, to: &out)
                out += ":"
                pair.node.write(to: &out)
            }
            out += "}"
        }
    }

    /// Appends UTF-8 `text` as a JSON string literal (RFC 8259 §7) to a byte buffer.
    public static func appendQuoted(_ text: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        if !text.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            out.append(contentsOf: text)
        } else {
            var escaped = ""
            appendQuoted(String(decoding: text, as: UTF8.self), to: &escaped)
            out.append(contentsOf: escaped.utf8.dropFirst().dropLast())
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends `text` as a JSON string literal (RFC 8259 §7).
    public static func appendQuoted(_ text: String, to out: inout String) {
        let needsEscaping = text.utf8.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }
        guard needsEscaping else {
            out.append(contentsOf: "\"")
            out.append(contentsOf: text)
            out.append(contentsOf: "\"")
            return
        }
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hexDigits = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hexDigits.count) + hexDigits
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
