import Foundation

/// A rule of the configuration's `callingRules`: numbers starting with one of `prefixes` may be
/// called only inside `window` (in the number's own zones), never on `exceptDates`, and at most
/// `maxAttemptsPerDay` times per local day. It applies on top of the campaign's window: the
/// stricter wins.
public struct CallingRule: Sendable, Equatable {
    public var name: String
    /// E.164 prefixes, `+` and digits (`+1305`).
    public var prefixes: [String]
    /// Days and hours; all day every day when the rule sets none. Its `exceptDates` are the rule's.
    public var window: CallingWindowSettings
    public var maxAttemptsPerDay: Int?

    public init(name: String, prefixes: [String], window: CallingWindowSettings = CallingRule.allDay, maxAttemptsPerDay: Int? = nil) {
        self.name = name
        self.prefixes = prefixes
        self.window = window
        self.maxAttemptsPerDay = maxAttemptsPerDay
    }

    /// A window open every day from 00:00 to 24:00: what a rule without `window` means.
    public static var allDay: CallingWindowSettings {
        var window = CallingWindowSettings()
        window.start = 0
        window.end = 24 * 60
        return window
    }

    public func applies(to target: String) -> Bool {
        prefixes.contains { target.hasPrefix($0) }
    }
}

extension CallingRule {
    /// Reads the configuration's `callingRules` array, reporting every problem with its path
    /// (`callingRules[0].prefixes[1]`).
    public static func readRules(_ node: JSONNode, _ path: String, reader: inout JSONFieldReader) -> [CallingRule] {
        guard case .array(let items) = node.value else {
            reader.fail(node, path, "expected an array of rules such as [{\"name\": \"florida\", \"prefixes\": [\"+1305\"], …}] but found \(node.kindName)")
            return []
        }
        var rules: [CallingRule] = []
        for (index, item) in items.enumerated() {
            let rulePath = "\(path)[\(index)]"
            guard let pairs = reader.object(item, rulePath) else { continue }
            reader.checkKeys(item, path: rulePath, allowed: ["name", "prefixes", "window", "maxAttemptsPerDay", "exceptDates"])
            var rule = CallingRule(name: "", prefixes: [])
            var quietDates: [String]?
            for (key, value) in pairs {
                let keyPath = rulePath + "." + key
                switch key {
                case "name": rule.name = reader.string(value, keyPath) ?? ""
                case "prefixes": rule.prefixes = readPrefixes(value, keyPath, reader: &reader)
                case "window":
                    rule.window = CampaignSettings.readWindow(value, keyPath, base: allDay, allowTimeZone: false, reader: &reader) ?? rule.window
                case "maxAttemptsPerDay": rule.maxAttemptsPerDay = reader.integer(value, keyPath, in: 1...1000)
                case "exceptDates": quietDates = CampaignSettings.readDates(value, keyPath, reader: &reader)
                default: break
                }
            }
            if let quietDates { rule.window.exceptDates = (rule.window.exceptDates ?? []) + quietDates }
            if item["name"] == nil { reader.fail(item, rulePath, "rule has no \"name\"") }
            if item["prefixes"] == nil { reader.fail(item, rulePath, "rule has no \"prefixes\"; expected E.164 prefixes such as [\"+1305\"]") }
            if !rule.name.isEmpty, rules.contains(where: { $0.name == rule.name }) {
                reader.fail(item, rulePath + ".name", "rule name \"\(rule.name)\" is used twice")
            }
            rules.append(rule)
        }
        return rules
    }

    private static func readPrefixes(_ node: JSONNode, _ path: String, reader: inout JSONFieldReader) -> [String] {
        guard case .array(let items) = node.value, !items.isEmpty else {
            reader.fail(node, path, "expected a non-empty array of E.164 prefixes such as [\"+1305\", \"+1786\"]")
            return []
        }
        var prefixes: [String] = []
        for (index, item) in items.enumerated() {
            guard let text = reader.string(item, "\(path)[\(index)]") else { continue }
            let digits = text.dropFirst()
            guard text.first == "+", (1...15).contains(digits.count), digits.allSatisfy(\.isASCIIDigitCharacter) else {
                reader.fail(item, "\(path)[\(index)]", "\(Diagnostic.excerpt(text)) is not an E.164 prefix; expected + and 1 to 15 digits such as +1305")
                continue
            }
            prefixes.append(text)
        }
        return prefixes
    }
}
