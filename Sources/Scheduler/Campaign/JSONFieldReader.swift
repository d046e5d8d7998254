/// Reads typed values out of `JSONNode`s and collects a `Diagnostic` for every value that is
/// missing, of the wrong type or out of range, so one pass reports all problems at once.
public struct JSONFieldReader {
    public init() {}

    public var diagnostics: [Diagnostic] = []

    public mutating func fail(_ node: JSONNode, _ path: String, _ message: String) {
        diagnostics.append(Diagnostic(at: node.location, path: path, message: message))
    }

    /// Unknown keys of one object reported one by one before the rest are counted.
    static let unknownKeyLimit = 20

    /// Reports keys of `object` that are not in `allowed`, with a did-you-mean (the first
    /// `unknownKeyLimit` of them, then a count: an object of a million keys gets 21 messages).
    public mutating func checkKeys(_ object: JSONNode, path: String, allowed: [String], noun: String = "setting") {
        guard let pairs = object.objectPairs else { return }
        let known = Set(allowed)
        var unknown = 0
        for (key, node) in pairs where !known.contains(key) {
            unknown += 1
            guard unknown <= Self.unknownKeyLimit else { continue }
            fail(node, join(path, key), "unknown \(noun) \(Diagnostic.excerpt(key))" + DidYouMean.hint(for: key, among: allowed))
        }
        if unknown > Self.unknownKeyLimit {
            fail(object, path, "and \(Diagnostic.grouped(unknown - Self.unknownKeyLimit)) more unknown \(noun)s")
        }
    }

    public mutating func object(_ node: JSONNode, _ path: String) -> [(key: String, node: JSONNode)]? {
        guard let pairs = node.objectPairs else {
            fail(node, path, "expected an object but found \(node.kindName)")
            return nil
        }
        return pairs
    }

    public mutating func string(_ node: JSONNode, _ path: String, allowEmpty: Bool = false) -> String? {
        guard case .string(let text) = node.value else {
            fail(node, path, "expected a string but found \(node.kindName)")
            return nil
        }
        if !allowEmpty, text.trimmingWhitespace().isEmpty {
            fail(node, path, "must not be empty")
            return nil
        }
        return text
    }

    public mutating func bool(_ node: JSONNode, _ path: String) -> Bool? {
        guard case .bool(let flag) = node.value else {
            fail(node, path, "expected true or false but found \(node.kindName)")
            return nil
        }
        return flag
    }

    public mutating func integer(_ node: JSONNode, _ path: String, in range: ClosedRange<Int>) -> Int? {
        guard case .number(let number, let text) = node.value else {
            fail(node, path, "expected a whole number from \(range.lowerBound) to \(range.upperBound) but found \(node.kindName)")
            return nil
        }
        guard number.rounded() == number, let value = Int(exactly: number) else {
            fail(node, path, "expected a whole number but found \(Diagnostic.literal(text))")
            return nil
        }
        guard range.contains(value) else {
            fail(node, path, "\(Diagnostic.literal(text)) is out of range; expected \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return value
    }

    /// A number greater than `exclusiveMinimum` and at most `maximum`.
    public mutating func number(_ node: JSONNode, _ path: String, above exclusiveMinimum: Double, upTo maximum: Double) -> Double? {
        guard case .number(let number, let text) = node.value else {
            fail(node, path, "expected a number but found \(node.kindName)")
            return nil
        }
        guard number > exclusiveMinimum, number <= maximum else {
            fail(node, path, "\(Diagnostic.literal(text)) is out of range; expected more than \(Self.format(exclusiveMinimum)) and at most \(Self.format(maximum))")
            return nil
        }
        return number
    }

    public mutating func oneOf<T: RawRepresentable & CaseIterable>(_ node: JSONNode, _ path: String, as type: T.Type) -> T?
    where T.RawValue == String {
        guard let text = string(node, path) else { return nil }
        if let value = T(rawValue: text) { return value }
        let names = T.allCases.map(\.rawValue)
        fail(node, path, "\(Diagnostic.excerpt(text)) is not one of \(names.map { "\"\($0)\"" }.joined(separator: ", "))"
            + DidYouMean.hint(for: text, among: names))
        return nil
    }

    /// An object whose values are all strings, kept in order.
    public mutating func headerFields(_ node: JSONNode, _ path: String) -> [HeaderField]? {
        guard let pairs = object(node, path) else { return nil }
        var fields: [HeaderField] = []
        for (key, value) in pairs {
            if let text = string(value, join(path, key), allowEmpty: true) {
                fields.append(HeaderField(name: key, value: text))
            }
        }
        return fields
    }

    /// `path.key`, the key cut if it is long (a path names a place, it need not echo a 10 MB key).
    public func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? Diagnostic.cut(key) : path + "." + Diagnostic.cut(key)
    }

    private static func format(_ value: Double) -> String {
        value.rounded() == value ? String(Int(value)) : String(value)
    }
}
