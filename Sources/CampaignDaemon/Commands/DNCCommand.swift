import Foundation
import Scheduler

/// `dnc add|remove|list|import`: the do-not-call list.
enum DNCCommand {
    static func run(_ context: CommandContext) throws(CLIError) {
        var rest = context.invocation.arguments
        guard !rest.isEmpty else { throw .usage("dnc needs an action: add, remove, list or import", command: "dnc") }
        let action = rest.removeFirst()
        let configuration = try context.configuration()
        let normalizer = TargetNormalizer(defaultCountryCode: configuration.defaultSettings.defaultCountryCode)
        switch action {
        case "add", "remove":
            let arguments = try CommandArguments(rest, command: "dnc \(action)")
            guard !arguments.positionals.isEmpty else { throw .usage("dnc \(action) needs at least one NUMBER", command: "dnc") }
            var targets: [String] = []
            var problems: [String] = []
            for raw in arguments.positionals {
                switch normalizer.normalize(raw) {
                case .success(let target): targets.append(target.description)
                case .failure(let error): problems.append(error.description)
                }
            }
            guard problems.isEmpty else {
                problems.forEach(Console.error)
                throw .invalidInput
            }
            let store = try context.openStore(configuration)
            do {
                if action == "add" {
                    let added = try store.addToDNC(targets, source: "cli")
                    Console.out("\(added) number\(added == 1 ? "" : "s") added to the DNC list (\(targets.count - added) already on it)")
                } else {
                    let removed = try store.removeFromDNC(targets)
                    Console.out("\(removed) number\(removed == 1 ? "" : "s") removed from the DNC list (\(targets.count - removed) were not on it)")
                }
            } catch {
                throw .failure("cannot change the DNC list: \(error)")
            }
        case "list":
            let arguments = try CommandArguments(rest, command: "dnc list", flags: ["--json"])
            let store = try context.openStore(configuration)
            let entries: [DNCEntry]
            do { entries = try store.dncEntries() } catch { throw .failure("cannot read the DNC list: \(error)") }
            if arguments.flags.contains("--json") {
                var out = "["
                for (index, entry) in entries.enumerated() {
                    if index > 0 { out += "," }
                    out += "{\"target\":"
                    JSONNode.appendQuoted(entry.target, to: &out)
                    out += ",\"source\":"
                    JSONNode.appendQuoted(entry.source, to: &out)
                    out += ",\"addedAt\":\"\(entry.addedAt)\"}"
                }
                Console.out(out + "]")
            } else {
                for entry in entries { Console.out("\(entry.target)\t\(entry.source)\t\(entry.addedAt)") }
            }
        case "import":
            let arguments = try CommandArguments(rest, command: "dnc import")
            guard arguments.positionals.count == 1, let path = arguments.positionals.first else {
                throw .usage("dnc import needs exactly one FILE", command: "dnc")
            }
            let targets: [String]
            do {
                targets = try DNCListReader(normalizer: normalizer).read(path: path)
            } catch {
                for diagnostic in error.diagnostics { Console.error(diagnostic.description) }
                Console.error("\(path): not imported")
                throw .invalidInput
            }
            let store = try context.openStore(configuration)
            do {
                let added = try store.addToDNC(targets, source: (path as NSString).lastPathComponent)
                Console.out("\(path): \(added) numbers added to the DNC list (\(targets.count - added) already on it)")
            } catch {
                throw .failure("cannot change the DNC list: \(error)")
            }
        default:
            throw .usage("unknown dnc action \"\(action)\"" + DidYouMean.hint(for: action, among: ["add", "remove", "list", "import"]), command: "dnc")
        }
    }
}
