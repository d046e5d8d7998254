import Foundation
import Scheduler

/// The `campaignd` executable: parses the command line and runs one subcommand.
@main
enum Campaignd {
    static let version = "0.1.0"

    static func main() async {
        raiseOpenFileLimit()
        let code: ExitCode
        do {
            try await run(Array(CommandLine.arguments.dropFirst()))
            code = .success
        } catch {
            code = error.exitCode
            switch error {
            case .usage(let message, let command):
                Console.error("campaignd: \(message)")
                Console.error("Run 'campaignd \(command.map { "\($0) " } ?? "")--help' for usage.")
            case .configuration(let failure):
                for diagnostic in failure.diagnostics { Console.error(diagnostic.description) }
                Console.error("campaignd: the configuration is invalid")
            case .invalidInput, .callNotAnswered, .workRemains:
                break  // the command already said what happened
            case .lockHeld(let message):
                Console.error("campaignd: \(message)")
            case .failure(let message):
                Console.error("campaignd: \(message)")
            }
        }
        exit(code.rawValue)
    }

    /// Each call with media holds two sockets (RTP and RTCP): thousands of calls need more than the
    /// usual soft limit of 1,024 descriptors, so it is raised to the hard limit the system allows.
    static func raiseOpenFileLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }

    static func run(_ argv: [String]) async throws(CLIError) {
        var invocation = try Invocation(argv)
        if invocation.wantsVersion {
            Console.out("campaignd \(version)")
            return
        }
        if invocation.command == "help" {
            invocation.wantsHelp = true
            invocation.command = invocation.arguments.first
        }
        guard let command = invocation.command else {
            if invocation.wantsHelp {
                Console.out(HelpText.overview)
                return
            }
            throw .usage("no command given", command: nil)
        }
        if invocation.wantsHelp {
            guard let text = HelpText.commands[command] else { throw unknownCommand(command) }
            Console.out(text)
            return
        }
        let context = CommandContext(invocation: invocation)
        switch command {
        case "validate": try CampaignFileCommands.validate(context)
        case "import": try CampaignFileCommands.importFiles(context)
        case "status": try StatusCommand.run(context)
        case "pause": try ControlCommand.run(.pause, context)
        case "resume": try ControlCommand.run(.resume, context)
        case "cancel": try ControlCommand.run(.cancel, context)
        case "dnc": try DNCCommand.run(context)
        case "call": try await CallCommand.run(context)
        case "run": try await RunCommand.run(context)
        case "cdr": try await CDRCommand.run(context)
        case "requeue": try RequeueCommand.run(context)
        case "amd": try AMDCommand.run(context)
        case "report": try ReportCommand.run(context)
        default: throw unknownCommand(command)
        }
    }

    private static func unknownCommand(_ command: String) -> CLIError {
        .usage("unknown command \"\(command)\"" + DidYouMean.hint(for: command, among: Array(HelpText.commands.keys)), command: nil)
    }
}
