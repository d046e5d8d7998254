import Scheduler

/// `pause`, `resume`, `cancel CAMPAIGN`.
enum ControlCommand {
    static func run(_ command: CampaignCommand, _ context: CommandContext) throws(CLIError) {
        let name = command.rawValue
        let arguments = try CommandArguments(context.invocation.arguments, command: name)
        guard arguments.positionals.count == 1, let id = arguments.positionals.first else {
            throw .usage("\(name) needs exactly one CAMPAIGN", command: name)
        }
        let store = try context.openStore(try context.configuration())
        let previous: CampaignState
        do {
            previous = try store.apply(command, to: id)
        } catch {
            throw .failure("cannot \(name) \(id): \(error)")
        }
        switch command {
        case .pause: Console.out(previous == .paused ? "campaign \(id) was already paused" : "campaign \(id) paused")
        case .resume: Console.out(previous == .active ? "campaign \(id) was already active" : "campaign \(id) resumed")
        case .cancel: Console.out("campaign \(id) cancelled; contacts still waiting are cancelled")
        }
    }
}
