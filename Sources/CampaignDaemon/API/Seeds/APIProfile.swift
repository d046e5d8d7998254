import Scheduler

/// One of `api.profiles`: what the drop-in endpoints' requests call a bot, agent, application or
/// tenant (`bot`, `botId`, `agent_id`, `application_sid`, `tenantID`). Its campaign settings give
/// the calls placed through it their trunk, caller, AMD, prompts, `onHuman.connect` (the bot's SIP
/// address) and notification defaults; its calls are one campaign, named after it, in status,
/// CDRs and reports. The `dialout…` limits are AudioCodes' (seed 004).
struct APIProfile: Sendable {
    var name: String
    /// Its campaign settings as written (without the profile-only keys), for laying a request's fields over.
    var node: JSONNode
    /// Its settings as validated (the configuration's `defaults` under them).
    var settings: CampaignSettings
    /// Callers a request may name; with exactly one, a request may leave its caller out. Empty: any.
    var dialoutAllowedCallers: [String] = []
    /// Requests per second it accepts (429 beyond); nil or 0: no limit. Also its calls' pacing when set.
    var dialoutLimitPerSecond: Double?
    /// Calls in progress at once (429 beyond); 0: no limit.
    var dialoutMaxConcurrentCalls = 0
    /// How long a call counts as in progress at most, if it has not ended by then.
    var dialoutConcurrentCallsExpirationSeconds = 1200

    /// Keys only a profile has (the rest are campaign settings).
    static let profileKeys = ["dialoutAllowedCallers", "dialoutMaxConcurrentCalls", "dialoutConcurrentCallsExpirationSeconds"]

    /// Reads `api.profiles` (an object of profiles by name), validating each one's settings as a
    /// campaign's, with paths such as `api.profiles.Bot1.trunk`.
    static func readAll(_ node: JSONNode, context: CampaignValidationContext, reader: inout JSONFieldReader) -> [String: APIProfile] {
        guard let pairs = reader.object(node, "api.profiles") else { return [:] }
        var profiles: [String: APIProfile] = [:]
        for (name, item) in pairs {
            let path = "api.profiles." + name
            if let problem = CampaignLoader.problem(withID: name) {
                reader.fail(item, path, "profile name \"\(name)\" cannot name its campaign: \(problem)")
                continue
            }
            if name == APIContext.builtInCampaign {
                reader.fail(item, path, "\"\(name)\" is the built-in campaign of POST /v1/calls; give the profile another name")
                continue
            }
            guard let fields = reader.object(item, path) else { continue }
            reader.checkKeys(item, path: path, allowed: CampaignSettings.keys + profileKeys)
            var profile = APIProfile(name: name, node: item, settings: CampaignSettings())
            var settingsPairs: [(key: String, node: JSONNode)] = []
            for (key, value) in fields {
                let fieldPath = path + "." + key
                switch key {
                case "dialoutAllowedCallers":
                    guard case .array(let items) = value.value else {
                        reader.fail(value, fieldPath, "expected an array of caller numbers or names but found \(value.kindName)")
                        continue
                    }
                    for (index, entry) in items.enumerated() {
                        guard let text = reader.string(entry, "\(fieldPath)[\(index)]") else { continue }
                        switch CampaignSettings.normalizeCaller(text) {
                        case .success(let caller): profile.dialoutAllowedCallers.append(caller)
                        case .failure(let error): reader.fail(entry, "\(fieldPath)[\(index)]", error.description)
                        }
                    }
                case "dialoutMaxConcurrentCalls":
                    profile.dialoutMaxConcurrentCalls = reader.integer(value, fieldPath, in: 0...300) ?? 0
                case "dialoutConcurrentCallsExpirationSeconds":
                    profile.dialoutConcurrentCallsExpirationSeconds = reader.integer(value, fieldPath, in: 10...3600) ?? 1200
                case "dialoutLimitPerSecond":
                    // AudioCodes: 0 (or none) is no limit; the calls are then paced by the defaults.
                    if case .number(let rate, _) = value.value, rate == 0 { continue }
                    profile.dialoutLimitPerSecond = reader.number(value, fieldPath, above: 0, upTo: 10_000)
                    settingsPairs.append((key, value))
                default:
                    settingsPairs.append((key, value))
                }
            }
            profile.node = JSONNode(.object(settingsPairs), at: item.location)
            let merged = context.defaults.map { $0.merged(with: profile.node) } ?? profile.node
            var settingsReader = JSONFieldReader()
            profile.settings = CampaignSettings.read(from: merged, context: context, reader: &settingsReader)
            if profile.settings.name == nil { profile.settings.name = "Calls through profile \(name)" }
            reader.diagnostics += settingsReader.diagnostics.map { diagnostic in
                var prefixed = diagnostic
                prefixed.path = path + "." + (diagnostic.path ?? "")
                return prefixed
            }
            if let caller = profile.settings.caller, !profile.dialoutAllowedCallers.isEmpty,
               !profile.dialoutAllowedCallers.contains(caller) {
                reader.fail(item, path + ".caller", "caller \(caller) is not in the profile's dialoutAllowedCallers")
            }
            profiles[name] = profile
        }
        return profiles
    }

    /// The caller for a request that names `requested` (nil: none), by `dialoutAllowedCallers`:
    /// the only allowed caller when the request names none, else the request's if allowed.
    func caller(for requested: String?) -> Result<String?, CallerRefusal> {
        guard let requested else {
            if dialoutAllowedCallers.count == 1 { return .success(dialoutAllowedCallers[0]) }
            return .success(settings.caller)
        }
        guard case .success(let normalized) = CampaignSettings.normalizeCaller(requested) else { return .failure(.malformed(requested)) }
        if !dialoutAllowedCallers.isEmpty, !dialoutAllowedCallers.contains(normalized) { return .failure(.notAllowed(requested)) }
        return .success(normalized)
    }

    enum CallerRefusal: Error, Equatable {
        case malformed(String)
        case notAllowed(String)
    }
}
