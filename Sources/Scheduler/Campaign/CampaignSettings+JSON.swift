import Foundation
import Telephony

extension CampaignSettings {
    /// Every settings key, as a campaign JSON file or the configuration's `defaults` spells it.
    public static let keys = [
        "name", "trunk", "caller", "callerHost", "callerDisplayName", "dialoutLimitPerSecond",
        "maxConcurrentCalls", "answerTimeoutSec", "maxCallDurationSec", "maxRetryNo", "retryIntervalSec",
        "retryOn", "window", "machineDetection", "amd", "voicemailEndTimeoutSec", "onHuman", "onMachine",
        "notifyUrl", "notifyHeaders", "notifyUsername", "notifyPassword", "amdEventsSubscription", "notifyEvents", "headers",
        "route", "notifyFormat", "amdNotifyUrl", "metadata", "timezone", "defaultCountryCode",
    ]

    /// Whether `value` is an http(s) URL with a host (campaign and contact `notifyUrl`).
    static func isWebhookURL(_ value: String) -> Bool {
        guard let url = URL(string: value), ["http", "https"].contains(url.scheme?.lowercased() ?? "") else { return false }
        return !(url.host ?? "").isEmpty
    }

    /// AMD event names a webhook can subscribe to (`amdEventsSubscription`).
    public static let amdEventNames = AMDEvent.Kind.allCases.map(\.rawValue)

    /// Headers the SIP stack writes itself; a campaign may not set them through `headers`.
    static let reservedSIPHeaders: Set<String> = [
        "via", "from", "to", "call-id", "cseq", "contact", "content-length", "content-type", "max-forwards",
        "route", "record-route", "authorization", "proxy-authorization", "allow", "supported", "require",
        "expires", "v", "f", "t", "i", "m", "l", "c", "k",
    ]

    /// Reads the settings keys present in `object` over the built-in defaults, reporting each bad value.
    ///
    /// Keys that are not settings are ignored here; the caller checks for unknown keys, since the
    /// allowed set differs between a campaign file and the configuration's `defaults`.
    public static func read(from object: JSONNode, context: CampaignValidationContext, reader: inout JSONFieldReader) -> CampaignSettings {
        var settings = CampaignSettings()
        guard let pairs = object.objectPairs else { return settings }
        for (key, node) in pairs {
            settings.apply(key: key, node: node, context: context, reader: &reader)
        }
        if let caller = settings.caller, !context.dialoutAllowedCallers.isEmpty,
           !context.dialoutAllowedCallers.contains(caller), let node = object["caller"] {
            reader.fail(node, "caller", "caller \(Diagnostic.excerpt(caller)) is not in dialoutAllowedCallers")
        }
        checkConnect(settings, in: object, reader: &reader)
        return settings
    }

    private mutating func apply(key: String, node: JSONNode, context: CampaignValidationContext, reader: inout JSONFieldReader) {
        let path = key
        switch key {
        case "name": name = reader.string(node, path) ?? name
        case "trunk":
            guard let value = reader.string(node, path) else { return }
            if context.trunkNames.contains(value) {
                trunk = value
            } else if context.trunkNames.isEmpty {
                reader.fail(node, path, "trunk \(Diagnostic.excerpt(value)) is not configured (the configuration has no trunks)")
            } else {
                reader.fail(node, path, "trunk \(Diagnostic.excerpt(value)) is not configured; configured trunks: "
                    + context.trunkNames.joined(separator: ", ") + DidYouMean.hint(for: value, among: context.trunkNames))
            }
        case "caller":
            guard let value = reader.string(node, path) else { return }
            switch Self.normalizeCaller(value) {
            case .success(let normalized): caller = normalized
            case .failure(let error): reader.fail(node, path, error.description)
            }
        case "callerHost":
            guard let value = reader.string(node, path) else { return }
            if (try? SIPURI(parsing: "sip:" + value)) != nil, !value.contains("@"), !value.contains(";") {
                callerHost = value.lowercased()
            } else {
                reader.fail(node, path, "\(Diagnostic.excerpt(value)) is not a host name or IP address")
            }
        case "callerDisplayName":
            guard let value = reader.string(node, path) else { return }
            if value.unicodeScalars.contains(where: { $0.value < 0x20 || $0 == "\"" || $0 == "\\" }) || value.count > 128 {
                reader.fail(node, path, "display name must be at most 128 characters without quotes, backslashes or control characters")
            } else {
                callerDisplayName = value
            }
        case "dialoutLimitPerSecond":
            dialoutLimitPerSecond = reader.number(node, path, above: 0, upTo: 10_000) ?? dialoutLimitPerSecond
        case "maxConcurrentCalls": maxConcurrentCalls = reader.integer(node, path, in: 0...10_000) ?? maxConcurrentCalls
        case "answerTimeoutSec": answerTimeoutSec = reader.integer(node, path, in: 1...300) ?? answerTimeoutSec
        case "maxCallDurationSec": maxCallDurationSec = reader.integer(node, path, in: 1...86_400) ?? maxCallDurationSec
        case "maxRetryNo": maxRetryNo = reader.integer(node, path, in: 0...100) ?? maxRetryNo
        case "retryIntervalSec": retryIntervalSec = reader.integer(node, path, in: 1...604_800) ?? retryIntervalSec
        case "retryOn": retryOn = Self.readRetryOn(node, path, reader: &reader) ?? retryOn
        case "window": window = Self.readWindow(node, path, reader: &reader) ?? window
        case "machineDetection": machineDetection = reader.oneOf(node, path, as: MachineDetectionMode.self) ?? machineDetection
        case "amd": amd = Self.readAMD(node, path, reader: &reader) ?? amd
        case "voicemailEndTimeoutSec": voicemailEndTimeoutSec = reader.integer(node, path, in: 1...300) ?? voicemailEndTimeoutSec
        case "onHuman": onHuman = Self.readPrompt(node, path, allowOptOut: true, context: context, reader: &reader) ?? onHuman
        case "onMachine": onMachine = Self.readPrompt(node, path, allowOptOut: false, context: context, reader: &reader) ?? onMachine
        case "notifyUrl":
            guard let value = reader.string(node, path) else { return }
            if Self.isWebhookURL(value) {
                notifyUrl = value
            } else {
                reader.fail(node, path, "\(Diagnostic.excerpt(value)) is not an http:// or https:// URL")
            }
        case "notifyHeaders":
            notifyHeaders = Self.readHeaders(node, path, reserved: [], reader: &reader) ?? notifyHeaders
        case "notifyUsername": notifyUsername = reader.string(node, path) ?? notifyUsername
        case "notifyPassword": notifyPassword = reader.string(node, path) ?? notifyPassword
        case "notifyEvents":
            guard case .array(let items) = node.value else {
                reader.fail(node, path, "expected an array of call-progress events (started, ringing, early-media) but found \(node.kindName)")
                return
            }
            notifyEvents = items.enumerated().compactMap { index, item in reader.oneOf(item, "\(path)[\(index)]", as: CallProgressEvent.self) }
        case "amdEventsSubscription":
            guard case .array(let items) = node.value else {
                reader.fail(node, path, "expected an array of AMD event names but found \(node.kindName)")
                return
            }
            var events: [String] = []
            for (index, item) in items.enumerated() {
                guard let name = reader.string(item, "\(path)[\(index)]") else { continue }
                if Self.amdEventNames.contains(name) {
                    events.append(name)
                } else {
                    reader.fail(item, "\(path)[\(index)]", "\(Diagnostic.excerpt(name)) is not an AMD event"
                        + DidYouMean.hint(for: name, among: Self.amdEventNames))
                }
            }
            amdEventsSubscription = events
        case "headers":
            headers = Self.readHeaders(node, path, reserved: Self.reservedSIPHeaders, reader: &reader) ?? headers
        case "route": route = Self.readRoute(node, path, reader: &reader) ?? route
        case "notifyFormat": notifyFormat = reader.oneOf(node, path, as: NotifyFormat.self) ?? notifyFormat
        case "amdNotifyUrl":
            guard let value = reader.string(node, path) else { return }
            if Self.isWebhookURL(value) {
                amdNotifyUrl = value
            } else {
                reader.fail(node, path, "\(Diagnostic.excerpt(value)) is not an http:// or https:// URL")
            }
        case "metadata":
            if reader.object(node, path) != nil { metadata = node.serialized }
        case "timezone":
            guard let value = reader.string(node, path) else { return }
            if let message = TimeZoneNames.problem(with: value) { reader.fail(node, path, message) } else { timezone = value }
        case "defaultCountryCode":
            guard case .string(let value) = node.value, TargetNormalizer.isValidCountryCode(value) else {
                reader.fail(node, path, "expected a country calling code as a string of 1 to 3 digits, such as \"1\" or \"44\"")
                return
            }
            defaultCountryCode = value
        default:
            return
        }
    }

    /// A Route set: an array of SIP URIs (`sip:proxy.example.com;lr`, optionally in angle brackets),
    /// or one string of them separated by commas, as IBM Voice Gateway's `route` is. Stored as
    /// `<uri>` each.
    static func readRoute(_ node: JSONNode, _ path: String, reader: inout JSONFieldReader) -> [String]? {
        var entries: [(String, String)] = []
        switch node.value {
        case .string(let text):
            entries = SIPMessage.splitList(text).enumerated().map { ($1, "\(path)[\($0)]") }
        case .array(let items):
            for (index, item) in items.enumerated() {
                guard let text = reader.string(item, "\(path)[\(index)]") else { return nil }
                entries.append((text, "\(path)[\(index)]"))
            }
        default:
            reader.fail(node, path, "expected SIP URIs, as an array or one comma-separated string, but found \(node.kindName)")
            return nil
        }
        var route: [String] = []
        for (text, _) in entries {
            var uri = text.trimmingWhitespace()
            if uri.hasPrefix("<"), uri.hasSuffix(">") { uri = String(uri.dropFirst().dropLast()) }
            guard let parsed = try? SIPURI(parsing: uri), !parsed.secure else {
                reader.fail(node, path, "\(Diagnostic.excerpt(text)) is not a sip: URI such as sip:proxy.example.com;lr (sips: is not supported)")
                return nil
            }
            route.append("<" + uri + ">")
        }
        if route.isEmpty { reader.fail(node, path, "the route set is empty") }
        return route.isEmpty ? nil : route
    }

    /// A caller is an E.164 number or a SIP user name (letters, digits and `-_.!~*'()+`).
    public static func normalizeCaller(_ value: String) -> Result<String, TargetError> {
        let trimmed = value.trimmingWhitespace()
        if trimmed.first == "+" {
            switch TargetNormalizer(defaultCountryCode: nil).normalize(trimmed) {
            case .success(let target): return .success(target.description)
            case .failure: return .failure(TargetError("caller \(Diagnostic.excerpt(value)) is not an E.164 number"))
            }
        }
        let allowed = trimmed.unicodeScalars.allSatisfy {
            $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.!~*'()".unicodeScalars.contains($0))
        }
        guard !trimmed.isEmpty, trimmed.count <= 64, allowed else {
            return .failure(TargetError("caller \(Diagnostic.excerpt(value)) is not an E.164 number or SIP user name"))
        }
        return .success(trimmed)
    }

    private static func readRetryOn(_ node: JSONNode, _ path: String, reader: inout JSONFieldReader) -> [RetryClass]? {
        guard case .array(let items) = node.value else {
            reader.fail(node, path, "expected an array such as [\"busy\", \"no-answer\"] but found \(node.kindName)")
            return nil
        }
        var classes: [RetryClass] = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            if case .string(let name) = item.value, ["declined", "invalid-number", "completed"].contains(name) {
                reader.fail(item, itemPath, "\(Diagnostic.excerpt(name)) is final and is never retried; retryOn takes busy, no-answer, unavailable, error")
                continue
            }
            if let retryClass = reader.oneOf(item, itemPath, as: RetryClass.self), !classes.contains(retryClass) {
                classes.append(retryClass)
            }
        }
        return classes
    }

    private static let dayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    /// Reads a `window` object (`days`, `start`, `end`, `timezone` when `allowTimeZone`, `exceptDates`)
    /// over `base`; nil, with each problem reported, if any part is bad.
    static func readWindow(_ node: JSONNode, _ path: String, base: CallingWindowSettings = CallingWindowSettings(),
                           allowTimeZone: Bool = true, reader: inout JSONFieldReader) -> CallingWindowSettings? {
        guard let pairs = reader.object(node, path) else { return nil }
        reader.checkKeys(node, path: path, allowed: ["days", "start", "end", "exceptDates"] + (allowTimeZone ? ["timezone"] : []))
        var window = base
        var valid = true
        for (key, value) in pairs {
            let keyPath = path + "." + key
            switch key {
            case "days":
                guard let days = readDays(value, keyPath, reader: &reader) else { valid = false; continue }
                window.days = days
            case "start", "end":
                guard let text = reader.string(value, keyPath), let minutes = parseClock(text) else {
                    if case .string(let text) = value.value {
                        reader.fail(value, keyPath, "\(Diagnostic.excerpt(text)) is not a time of day; expected HH:MM from 00:00 to 24:00")
                    }
                    valid = false
                    continue
                }
                if key == "start" { window.start = minutes } else { window.end = minutes }
            case "exceptDates":
                guard let dates = readDates(value, keyPath, reader: &reader) else { valid = false; continue }
                window.exceptDates = dates
            case "timezone" where allowTimeZone:
                guard let text = reader.string(value, keyPath) else { valid = false; continue }
                if let message = TimeZoneNames.problem(with: text) {
                    reader.fail(value, keyPath, message)
                    valid = false
                } else {
                    window.timezone = text
                }
            default:
                valid = false
            }
        }
        if valid, window.end <= window.start {
            reader.fail(node, path, "window ends (\(formatClock(window.end))) before it starts (\(formatClock(window.start))); overnight windows are not supported, use two campaigns")
            return nil
        }
        return valid ? window : nil
    }

    /// An array of local dates, `["2026-12-25", …]` (quiet days).
    static func readDates(_ node: JSONNode, _ path: String, reader: inout JSONFieldReader) -> [String]? {
        guard case .array(let items) = node.value else {
            reader.fail(node, path, "expected an array of dates such as [\"2026-12-25\"] but found \(node.kindName)")
            return nil
        }
        var dates: [String] = []
        var valid = true
        for (index, item) in items.enumerated() {
            guard let text = reader.string(item, "\(path)[\(index)]") else { valid = false; continue }
            guard CallingWindow.dayNumber(text) != nil else {
                reader.fail(item, "\(path)[\(index)]", "\(Diagnostic.excerpt(text)) is not a date; expected YYYY-MM-DD such as 2026-12-25")
                valid = false
                continue
            }
            if !dates.contains(text) { dates.append(text) }
        }
        return valid ? dates : nil
    }

    private static func readDays(_ node: JSONNode, _ path: String, reader: inout JSONFieldReader) -> [Int]? {
        guard case .array(let items) = node.value, !items.isEmpty else {
            reader.fail(node, path, "expected a non-empty array of days such as [\"mon-fri\", \"sat\"]")
            return nil
        }
        var days = Set<Int>()
        var valid = true
        for (index, item) in items.enumerated() {
            guard let text = reader.string(item, "\(path)[\(index)]") else { valid = false; continue }
            let parts = text.lowercased().split(separator: "-", maxSplits: 1).map { String($0.prefix(3)) }
            let numbers = parts.compactMap { dayNames.firstIndex(of: $0).map { $0 + 1 } }
            guard numbers.count == parts.count, !numbers.isEmpty else {
                reader.fail(item, "\(path)[\(index)]", "\(Diagnostic.excerpt(text)) is not a day or day range; use mon, tue, wed, thu, fri, sat, sun or a range like mon-fri")
                valid = false
                continue
            }
            if numbers.count == 1 {
                days.insert(numbers[0])
            } else if numbers[0] <= numbers[1] {
                days.formUnion(numbers[0]...numbers[1])
            } else {
                days.formUnion(numbers[0]...7)
                days.formUnion(1...numbers[1])
            }
        }
        return valid ? days.sorted() : nil
    }

    /// Minutes after midnight of "HH:MM" (24:00 allowed as the end of the day).
    static func parseClock(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
              let hours = Int(parts[0]), let minutes = Int(parts[1]),
              (0...59).contains(minutes), (0...24).contains(hours), hours < 24 || minutes == 0 else { return nil }
        return hours * 60 + minutes
    }

    static func formatClock(_ minutes: Int) -> String {
        let hours = minutes / 60, rest = minutes % 60
        return (hours < 10 ? "0" : "") + "\(hours):" + (rest < 10 ? "0" : "") + "\(rest)"
    }

    private static func readAMD(_ node: JSONNode, _ path: String, reader: inout JSONFieldReader) -> AMDSettings? {
        guard let pairs = reader.object(node, path) else { return nil }
        let timerKeys = AMDTunable.timers.map(\.rawValue)
        // One set of allowed ranges for campaign files and `campaignd amd --set`: the detector's.
        func wholeRange(_ tunable: AMDTunable) -> ClosedRange<Int> {
            Int(tunable.range.lowerBound)...Int(tunable.range.upperBound)
        }
        let tunables = AMDTunable.allCases.filter { !AMDTunable.timers.contains($0) && $0 != .thresholdWordCount }
        reader.checkKeys(node, path: path, allowed: ["thresholdWordCount", "timers"] + tunables.map(\.rawValue))
        var amd = AMDSettings()
        for (key, value) in pairs {
            let keyPath = path + "." + key
            switch key {
            case "thresholdWordCount":
                amd.thresholdWordCount = reader.integer(value, keyPath, in: wholeRange(.thresholdWordCount)) ?? amd.thresholdWordCount
            case "timers":
                guard let timerPairs = reader.object(value, keyPath) else { continue }
                reader.checkKeys(value, path: keyPath, allowed: timerKeys)
                for (timer, timerValue) in timerPairs {
                    guard let tunable = AMDTunable(rawValue: timer), AMDTunable.timers.contains(tunable),
                          let ms = reader.integer(timerValue, keyPath + "." + timer, in: wholeRange(tunable)) else { continue }
                    switch tunable {
                    case .noSpeechTimeoutMs: amd.timers.noSpeechTimeoutMs = ms
                    case .decisionTimeoutMs: amd.timers.decisionTimeoutMs = ms
                    case .toneTimeoutMs: amd.timers.toneTimeoutMs = ms
                    case .greetingCompletionTimeoutMs: amd.timers.greetingCompletionTimeoutMs = ms
                    default: break
                    }
                }
            default:
                guard let tunable = AMDTunable(rawValue: key), tunables.contains(tunable) else { break }
                if let number = reader.number(value, keyPath, above: tunable.range.lowerBound - 1e-9, upTo: tunable.range.upperBound) {
                    amd.tuning[tunable] = number
                }
            }
        }
        return amd
    }

    private static func readPrompt(
        _ node: JSONNode, _ path: String, allowOptOut: Bool, context: CampaignValidationContext,
        reader: inout JSONFieldReader
    ) -> PromptSettings? {
        guard let pairs = reader.object(node, path) else { return nil }
        reader.checkKeys(node, path: path, allowed: allowOptOut ? ["play", "optOutDigit", "connect"] : ["play", "connect"])
        var prompt = PromptSettings()
        for (key, value) in pairs {
            let keyPath = path + "." + key
            switch key {
            case "play":
                prompt.play = readPromptFile(value, keyPath, context: context, reader: &reader)
            case "connect":
                prompt.connect = readConnect(value, keyPath, forPeople: allowOptOut, context: context, reader: &reader)
            case "optOutDigit":
                guard let digit = reader.string(value, keyPath) else { continue }
                if digit.count == 1, "0123456789*#".contains(digit) {
                    prompt.optOutDigit = digit
                } else {
                    reader.fail(value, keyPath, "\(Diagnostic.excerpt(digit)) is not a DTMF digit; expected one of 0-9, * or #")
                }
            default: break
            }
        }
        return prompt
    }

    /// The real path of a prompt named relative to the prompts folder (`play`, `holdPlay`,
    /// `abandonPlay`), or nil with the problem reported: outside the folder, missing, not playable.
    static func readPromptFile(_ value: JSONNode, _ keyPath: String, context: CampaignValidationContext,
                               reader: inout JSONFieldReader) -> String? {
        guard let file = reader.string(value, keyPath) else { return nil }
        let quoted = Diagnostic.excerpt(file)
        switch ConfinedPath.resolve(file, in: context.promptsDirectory) {
        case .success(let resolved):
            if let problem = promptProblem(at: resolved) {
                reader.fail(value, keyPath, "prompt \(quoted) \(problem)")
                return nil
            }
            // The real path: what was checked is what gets played.
            return resolved
        case .failure(.outside):
            reader.fail(value, keyPath, "prompt \(quoted) is outside \(context.promptsFolderName); put the file there and name it relative to that folder")
        case .failure(.missing):
            let looked = file.hasPrefix("/") ? Diagnostic.cut(file) : context.promptsDirectory + "/" + Diagnostic.cut(file)
            reader.fail(value, keyPath, "prompt \(quoted) does not exist (looked for \(looked))")
        case .failure(.notARegularFile):
            reader.fail(value, keyPath, "prompt \(quoted) is not a regular file")
        }
        return nil
    }

    /// Why the prompt at `path` cannot be played into a call, or nil if it can.
    static func promptProblem(at path: String) -> String? {
        do {
            return try WAVFormat(contentsOfFile: path).unplayableReason
        } catch {
            return "\(error)"
        }
    }

    static func readHeaders(_ node: JSONNode, _ path: String, reserved: Set<String>, reader: inout JSONFieldReader) -> [HeaderField]? {
        guard let fields = reader.headerFields(node, path) else { return nil }
        // Each field's own node, by position (a lookup by name per field is quadratic in a hostile object).
        let locations = Dictionary(node.objectPairs?.map { ($0.key, $0.node) } ?? [], uniquingKeysWith: { first, _ in first })
        var valid = true
        for field in fields {
            let location = locations[field.name] ?? node
            let isToken = !field.name.isEmpty && field.name.unicodeScalars.allSatisfy {
                $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-.!%*_+`'~".unicodeScalars.contains($0))
            }
            if !isToken {
                reader.fail(location, reader.join(path, field.name), "\(Diagnostic.excerpt(field.name)) is not a valid header name")
                valid = false
            } else if reserved.contains(field.name.lowercased()) {
                reader.fail(location, reader.join(path, field.name), "header \(field.name) is set by campaignd itself and cannot be overridden")
                valid = false
            } else if field.value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) {
                reader.fail(location, reader.join(path, field.name), "header value must be on one line")
                valid = false
            }
        }
        return valid ? fields : nil
    }
}

/// Checks IANA time zone names, remembering the ones already seen (a contact list repeats a few names).
enum TimeZoneNames {
    private static let cache = NameCache()

    /// A message if `name` is not a time zone Foundation knows, else nil.
    static func problem(with name: String) -> String? {
        if cache.contains(name) { return nil }
        if TimeZone(identifier: name) != nil, name.contains("/") || name == "UTC" || name == "GMT" {
            cache.insert(name)
            return nil
        }
        return "\(Diagnostic.excerpt(name)) is not a known time zone; use an IANA name such as America/New_York"
            + DidYouMean.hint(for: name, among: TimeZone.knownTimeZoneIdentifiers)
    }

    // @unchecked Sendable: `lock` guards `names`.
    private final class NameCache: @unchecked Sendable {
        private let lock = NSLock()
        private var names = Set<String>()

        func contains(_ name: String) -> Bool { lock.withLock { names.contains(name) } }
        func insert(_ name: String) { _ = lock.withLock { names.insert(name) } }
    }
}
