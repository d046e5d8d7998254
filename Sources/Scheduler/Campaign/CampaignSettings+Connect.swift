import Telephony

extension CampaignSettings {
    /// Keys of `onHuman.connect`; `onMachine.connect` has all but the pacing ones.
    static let connectKeys = ["target", "trunk", "method", "timeoutSec", "headers", "holdPlay", "abandonPlay"]
    static let connectPacingKeys = ["maxConcurrent", "dialRatio", "maxAbandonRate"]

    /// Reads an `onHuman.connect` (`forPeople`) or `onMachine.connect` object, reporting each bad value.
    static func readConnect(_ node: JSONNode, _ path: String, forPeople: Bool, context: CampaignValidationContext,
                            reader: inout JSONFieldReader) -> ConnectSettings? {
        guard let pairs = reader.object(node, path) else { return nil }
        reader.checkKeys(node, path: path, allowed: connectKeys + connectPacingKeys)
        if !forPeople {
            for key in connectPacingKeys {
                guard let value = node[key] else { continue }
                reader.fail(value, path + "." + key, "\(key) belongs in onHuman.connect: the campaign is paced by the people it reaches, and calls put through to machines hold slots of the same pool")
            }
        }
        guard let targetNode = node["target"] else {
            reader.fail(node, path, "connect has no \"target\"; give the SIP URI or E.164 number to put the call through to")
            return nil
        }
        var connect = ConnectSettings(target: "")
        var valid = true
        for (key, value) in pairs {
            let keyPath = path + "." + key
            switch key {
            case "target":
                guard let text = reader.string(value, keyPath) else { valid = false; continue }
                switch TargetNormalizer(defaultCountryCode: nil).normalize(text) {
                case .success(let target): connect.target = target.description
                case .failure(let error):
                    reader.fail(value, keyPath, error.description + "; a connect target is a sip: URI or an E.164 number such as +15557654321")
                    valid = false
                }
            case "trunk":
                guard let name = reader.string(value, keyPath) else { valid = false; continue }
                if context.trunkNames.contains(name) {
                    connect.trunk = name
                } else {
                    let configured = context.trunkNames.isEmpty
                        ? " (the configuration has no trunks)"
                        : "; configured trunks: " + context.trunkNames.joined(separator: ", ") + DidYouMean.hint(for: name, among: context.trunkNames)
                    reader.fail(value, keyPath, "trunk \(Diagnostic.excerpt(name)) is not configured" + configured)
                    valid = false
                }
            case "method":
                guard let method = reader.oneOf(value, keyPath, as: ConnectSettings.Method.self) else { valid = false; continue }
                connect.method = method
            case "timeoutSec":
                guard let seconds = reader.integer(value, keyPath, in: 1...300) else { valid = false; continue }
                connect.timeoutSec = seconds
            case "headers":
                let reserved = reservedSIPHeaders.union(ConnectHeaders.reservedNames)
                guard let fields = readHeaders(value, keyPath, reserved: reserved, reader: &reader) else { valid = false; continue }
                connect.headers = fields
            case "holdPlay", "abandonPlay":
                guard let file = readPromptFile(value, keyPath, context: context, reader: &reader) else { valid = false; continue }
                if key == "holdPlay" { connect.holdPlay = file } else { connect.abandonPlay = file }
            case "maxConcurrent" where forPeople:
                guard let slots = reader.integer(value, keyPath, in: 1...10_000) else { valid = false; continue }
                connect.maxConcurrent = slots
            case "dialRatio" where forPeople:
                guard let ratio = reader.number(value, keyPath, above: 0.999_999, upTo: 5) else { valid = false; continue }
                connect.dialRatio = ratio
            case "maxAbandonRate" where forPeople:
                guard let rate = reader.number(value, keyPath, above: 0, upTo: 1) else { valid = false; continue }
                connect.maxAbandonRate = rate
            default:
                valid = false
            }
        }
        if connect.dialRatio > 1, connect.maxConcurrent == nil, let ratio = node["dialRatio"] {
            reader.fail(ratio, path + ".dialRatio", "dialRatio dials ahead of the free slots of maxConcurrent; set maxConcurrent (the agents or bot sessions available) too")
            valid = false
        }
        if valid, connect.trunk == nil, case .e164 = DialTarget(canonical: connect.target), context.trunkNames.isEmpty {
            reader.fail(targetNode, path + ".target", "target \(Diagnostic.excerpt(connect.target)) is a number, which is dialed through a trunk, and the configuration has no trunks; use a sip: URI")
            valid = false
        }
        return valid ? connect : nil
    }

    /// Checks between settings: `onMachine.connect` needs detection, and the connect headers with
    /// the campaign's metadata (and the widest identity a contact can have) must fit the INVITE.
    static func checkConnect(_ settings: CampaignSettings, in object: JSONNode, reader: inout JSONFieldReader) {
        if settings.onMachine?.connect != nil, settings.machineDetection != .detect {
            let node = object["onMachine"]?["connect"] ?? object
            reader.fail(node, "onMachine.connect", "onMachine.connect puts machines through, which needs machineDetection \"detect\" (it is \"\(settings.machineDetection.rawValue)\"); with \"disabled\" every answered call goes to onHuman.connect")
        }
        for (side, connect) in [("onHuman", settings.onHuman?.connect), ("onMachine", settings.onMachine?.connect)] {
            guard let connect else { continue }
            let fields = ConnectHeaders.fields(custom: connect.headers, identity: ConnectHeaders.widestIdentity(campaignMetadata: settings.metadata))
            guard let problem = ConnectHeaders.problem(with: fields) else { continue }
            let node = object[side]?["connect"]?["headers"] ?? object["metadata"] ?? object
            reader.fail(node, side + ".connect.headers", problem)
        }
    }
}
