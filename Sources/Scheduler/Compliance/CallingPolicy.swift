import Foundation

/// Whether a contact may be called now, and if not, from when: the one place the per-contact rules
/// meet (calling windows in the callee's zones, `callingRules`, quiet dates, attempts per number per
/// day). Pure: the dispatcher's claim and the compliance audit both ask it.
///
/// The callee's zones are the contact's own `timezone`, else the zones of its number's prefix
/// (`TimeZoneTable`), else the campaign's `timezone`, else the default. The campaign's window must
/// be open in every one of them (in the campaign's `window.timezone` instead, when it fixes one),
/// and so must the window of every rule whose prefix the number starts with.
public struct CallingPolicy: Sendable {
    public var table: TimeZoneTable
    public var rules: [CallingRule]
    public var defaultZone: TimeZone
    /// `limits.maxAttemptsPerNumberPerDay`: attempts to one number per local day, every campaign together.
    public var maxAttemptsPerNumberPerDay: Int?

    public init(table: TimeZoneTable = .libphonenumber, rules: [CallingRule] = [], defaultZone: TimeZone,
                maxAttemptsPerNumberPerDay: Int? = nil) {
        self.table = table
        self.rules = rules
        self.defaultZone = defaultZone
        self.maxAttemptsPerNumberPerDay = maxAttemptsPerNumberPerDay
    }

    /// The zones a contact is called in and where they came from.
    public struct Zones: Sendable, Equatable {
        /// IANA names; the first one's local day is the day attempts are counted in.
        public var identifiers: [String]
        public var source: ZoneSource

        public init(_ identifiers: [String], source: ZoneSource) {
            self.identifiers = identifiers
            self.source = source
        }
    }

    /// Why a contact waits.
    public enum WaitReason: Sendable, Equatable {
        /// The campaign's window or a rule's is shut (hours, days or a quiet date) in one of the zones.
        case windowClosed
        /// The number had `limit` attempts today already (its first zone's local day).
        case dailyCapReached(limit: Int)
    }

    public enum Decision: Sendable, Equatable {
        case call(Zones)
        /// Not before `until`. Nil `until`: no opening within the next 40 days (a window without
        /// days that overlap, or quiet dates end to end).
        case wait(until: Date?, reason: WaitReason, Zones)
    }

    /// Everything about one contact that does not depend on the time: zones, windows and cap.
    public struct Contact: Sendable {
        public var zones: Zones
        /// Each window with the zone it is evaluated in and the rule it is from (nil: the campaign's); all must be open.
        public var windows: [Gate]
        /// The smallest cap that applies (configuration and rules); nil when none does.
        public var dailyCap: Int?
        /// The zone whose local day attempts are counted in.
        public var dayZone: TimeZone
        /// Names of the rules that apply.
        public var ruleNames: [String]
    }

    /// A window in one zone.
    public typealias Gate = (window: CallingWindow, zone: TimeZone, rule: String?)

    /// The zones of a contact, strongest source first.
    public func zones(target: String, contactZone: String?, settings: CampaignSettings) -> Zones {
        resolve(target: target, contactZone: contactZone, settings: settings).zones
    }

    /// The zones with their `TimeZone`s (from the table's cache where it can).
    private func resolve(target: String, contactZone: String?, settings: CampaignSettings) -> (zones: Zones, timeZones: [TimeZone]) {
        if let contactZone, let zone = table.timeZone(contactZone) { return (Zones([contactZone], source: .contact), [zone]) }
        if let known = table.knownZones(target), !known.isEmpty {
            return (Zones(known.map(\.name), source: .number), known.map(\.zone))
        }
        if let name = settings.timezone, let zone = table.timeZone(name) { return (Zones([name], source: .campaign), [zone]) }
        return (Zones([defaultZone.identifier], source: .default), [defaultZone])
    }

    /// What applies to a contact of a campaign with `settings`.
    public func contact(target: String, contactZone: String?, settings: CampaignSettings) -> Contact {
        let (zones, calleeZones) = resolve(target: target, contactZone: contactZone, settings: settings)
        // A window open at every moment constrains nothing: it is left out (with +1 555's 42 zones that
        // saves 42 calendar look-ups per contact).
        var windows: [Gate] = []
        let campaignWindow = CallingWindow(settings.window)
        if campaignWindow.isAlwaysOpen {
        } else if let fixed = settings.window.timezone.flatMap(table.timeZone) {
            windows.append((campaignWindow, fixed, nil))
        } else {
            windows += calleeZones.map { (campaignWindow, $0, nil) }
        }
        var cap = maxAttemptsPerNumberPerDay
        var names: [String] = []
        for rule in rules where rule.applies(to: target) {
            names.append(rule.name)
            let window = CallingWindow(rule.window)
            if !window.isAlwaysOpen { windows += calleeZones.map { (window, $0, rule.name) } }
            if let limit = rule.maxAttemptsPerDay { cap = min(cap ?? limit, limit) }
        }
        return Contact(zones: zones, windows: windows, dailyCap: cap, dayZone: calleeZones.first ?? defaultZone, ruleNames: names)
    }

    /// Whether `contact` may be called at `now`. `attemptsIn` answers how many attempts its number
    /// had (every campaign) in a span of time; it is asked only when a cap applies.
    public func decide(_ contact: Contact, at now: Date, attemptsIn: (DateInterval) throws -> Int) rethrows -> Decision {
        if let cap = contact.dailyCap {
            let day = Self.localDay(containing: now, in: contact.dayZone)
            if try attemptsIn(day) >= cap {
                return .wait(until: Self.opening(of: contact.windows, notBefore: day.end), reason: .dailyCapReached(limit: cap), contact.zones)
            }
        }
        if Self.allOpen(contact.windows, at: now) { return .call(contact.zones) }
        return .wait(until: Self.opening(of: contact.windows, notBefore: now), reason: .windowClosed, contact.zones)
    }

    /// Whether every window is open at `date` in its zone.
    public static func allOpen(_ windows: [Gate], at date: Date) -> Bool {
        windows.allSatisfy { $0.window.isOpen(at: date, in: $0.zone) }
    }

    /// The first moment at or after `start` when every window is open at once: each shut window moves
    /// the candidate to its own next opening until none is shut (the intersection opens when one of
    /// its windows opens, so this stops at the first such moment).
    public static func opening(of windows: [Gate], notBefore start: Date) -> Date? {
        var candidate = start
        let horizon = start.addingTimeInterval(40 * 86_400)
        while candidate < horizon {
            var moved = false
            for (window, zone, _) in windows where !window.isOpen(at: candidate, in: zone) {
                guard let next = window.nextOpening(after: candidate, in: zone) else { return nil }
                candidate = next
                moved = true
            }
            if !moved { return candidate }
        }
        return nil
    }

    /// The local calendar day around `date` in `zone` (23 or 25 hours long on DST change days).
    public static func localDay(containing date: Date, in zone: TimeZone) -> DateInterval {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let start = calendar.startOfDay(for: date)
        let end = calendar.date(byAdding: .day, value: 1, to: start) ?? start.addingTimeInterval(86_400)
        return DateInterval(start: start, end: end)
    }
}
