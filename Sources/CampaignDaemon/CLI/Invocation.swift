import Scheduler

/// The command line split into global options, the subcommand and its own arguments.
///
/// Global options (`--config`, `--data`, `--help`) may stand before or after the subcommand.
struct Invocation {
    var configPath: String?
    var dataDirectory: String?
    var command: String?
    var arguments: [String] = []
    var wantsHelp = false
    var wantsVersion = false

    init(_ argv: [String]) throws(CLIError) {
        var index = 0
        while index < argv.count {
            let token = argv[index]
            index += 1
            func value(for option: String) throws(CLIError) -> String {
                if let eq = token.firstIndex(of: "=") { return String(token[token.index(after: eq)...]) }
                guard index < argv.count else { throw .usage("\(option) needs a value", command: command) }
                index += 1
                return argv[index - 1]
            }
            switch token {
            case _ where token == "--config" || token.hasPrefix("--config="): configPath = try value(for: "--config")
            case _ where token == "--data" || token.hasPrefix("--data="): dataDirectory = try value(for: "--data")
            case "-h", "--help": wantsHelp = true
            case "--version": wantsVersion = true
            case "--":
                arguments += argv[index...]
                index = argv.count
            default:
                if command == nil, !token.hasPrefix("-") {
                    command = token
                } else {
                    arguments.append(token)
                }
            }
        }
    }
}

/// A subcommand's own arguments: positionals, flags and options with values.
struct CommandArguments {
    var positionals: [String] = []
    var flags: Set<String> = []
    var values: [String: String] = [:]

    /// Splits `arguments`; any option not in `flags` or `valued` is a usage error naming the closest one.
    init(_ arguments: [String], command: String, flags allowedFlags: [String] = [], valued: [String] = []) throws(CLIError) {
        var index = 0
        while index < arguments.count {
            let token = arguments[index]
            index += 1
            guard token.hasPrefix("-"), token.count > 1 else {
                positionals.append(token)
                continue
            }
            let name = token.split(separator: "=", maxSplits: 1).first.map(String.init) ?? token
            if allowedFlags.contains(token) {
                flags.insert(token)
            } else if valued.contains(name) {
                if name != token {
                    values[name] = String(token.dropFirst(name.count + 1))
                } else {
                    guard index < arguments.count else { throw .usage("\(name) needs a value", command: command) }
                    values[name] = arguments[index]
                    index += 1
                }
            } else {
                let known = allowedFlags + valued
                throw .usage("unknown option \(token) for \(command)" + DidYouMean.hint(for: name, among: known), command: command)
            }
        }
    }
}
