import Foundation

/// Which time zones a phone number is in, from its leading digits: libphonenumber's prefix →
/// time-zone table (`deploy/timezones/map_data.txt`, Apache-2.0), embedded in the build.
///
/// The longest prefix of the number that is in the table wins. A prefix may name several zones
/// (parts of +1 208 are in Boise and Los Angeles time); a country's own code names all of its zones,
/// so a number whose area code is not in the table falls back to the whole country.
public struct TimeZoneTable: Sendable {
    /// What the table says about one number.
    public struct Match: Sendable, Equatable {
        /// The table's prefix that matched (digits, no `+`).
        public var prefix: String
        /// IANA zone names, in the table's order.
        public var zones: [String]

        public init(prefix: String, zones: [String]) {
            self.prefix = prefix
            self.zones = zones
        }
    }

    private let zonesByPrefix: [String: [String]]
    /// Each zone name of the table that Foundation knows, made once: a claim asks for them per contact.
    private let timeZones: [String: TimeZone]
    /// Per prefix, its zones that Foundation knows, as `TimeZone`s (in the table's order).
    private let knownZonesByPrefix: [String: [(name: String, zone: TimeZone)]]
    private let longestPrefix: Int

    /// Reads text in `map_data.txt`'s format: `#` comments, blank lines, `PREFIX|Zone&Zone`.
    public init(mapData: String) throws(TimeZoneTableError) {
        var table: [String: [String]] = [:]
        var longest = 0
        for (index, line) in mapData.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty || text.hasPrefix("#") { continue }
            let parts = text.split(separator: "|", omittingEmptySubsequences: false)
            let zones = parts.count == 2 ? parts[1].split(separator: "&").map(String.init) : []
            guard parts.count == 2, !parts[0].isEmpty, parts[0].allSatisfy(\.isASCIIDigitCharacter), !zones.isEmpty else {
                throw .malformedLine(index + 1, String(text.prefix(60)))
            }
            guard table[String(parts[0])] == nil else { throw .duplicatePrefix(index + 1, String(parts[0])) }
            table[String(parts[0])] = zones
            longest = max(longest, parts[0].count)
        }
        zonesByPrefix = table
        longestPrefix = longest
        var known: [String: TimeZone] = [:]
        for name in Set(table.values.joined()) { known[name] = TimeZone(identifier: name) }
        timeZones = known
        knownZonesByPrefix = table.mapValues { names in names.compactMap { name in known[name].map { (name, $0) } } }
    }

    /// Like `match`, with the zones Foundation knows as `TimeZone`s (unknown names left out).
    public func knownZones(_ target: String) -> [(name: String, zone: TimeZone)]? {
        guard let match = match(target) else { return nil }
        return knownZonesByPrefix[match.prefix]
    }

    /// The zone named `identifier` if the table has it and Foundation knows it (cached), else looked up.
    public func timeZone(_ identifier: String) -> TimeZone? {
        timeZones[identifier] ?? TimeZone(identifier: identifier)
    }

    /// The table shipped with campaignd (see `embeddedDataVersion`).
    public static let libphonenumber: TimeZoneTable = {
        do {
            return try TimeZoneTable(mapData: embeddedMapData)
        } catch {
            // TimeZoneTableTests read the embedded text; a build whose table does not parse fails them.
            preconditionFailure("the embedded time-zone table does not parse: \(error)")
        }
    }()

    /// The zones of an E.164 number (`+` and digits), or nil for anything else or an unknown country.
    public func match(_ target: String) -> Match? {
        guard target.first == "+" else { return nil }
        let digits = target.dropFirst()
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigitCharacter) else { return nil }
        for length in stride(from: min(longestPrefix, digits.count), through: 1, by: -1) {
            let prefix = String(digits.prefix(length))
            if let zones = zonesByPrefix[prefix] { return Match(prefix: prefix, zones: zones) }
        }
        return nil
    }

    /// Every prefix in the table starting with `digits`, for tests and tools.
    public func prefixes(startingWith digits: String) -> [String] {
        zonesByPrefix.keys.filter { $0.hasPrefix(digits) }.sorted()
    }

    public var count: Int { zonesByPrefix.count }
}

/// A time-zone table that cannot be read.
public enum TimeZoneTableError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Line number and its text: not `PREFIX|Zone&Zone`.
    case malformedLine(Int, String)
    case duplicatePrefix(Int, String)

    public var description: String {
        switch self {
        case .malformedLine(let line, let text): "line \(line): \"\(text)\" is not PREFIX|Zone&Zone"
        case .duplicatePrefix(let line, let prefix): "line \(line): prefix \(prefix) is listed twice"
        }
    }
}

extension Character {
    var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
