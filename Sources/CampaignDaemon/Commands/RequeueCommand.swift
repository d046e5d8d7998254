import Scheduler

/// `requeue CAMPAIGN --interrupted`: dial interrupted contacts again, on purpose.
enum RequeueCommand {
    static func run(_ context: CommandContext) throws(CLIError) {
        let arguments = try CommandArguments(context.invocation.arguments, command: "requeue", flags: ["--interrupted"])
        guard arguments.positionals.count == 1, let id = arguments.positionals.first else {
            throw .usage("requeue needs exactly one CAMPAIGN", command: "requeue")
        }
        guard arguments.flags.contains("--interrupted") else {
            throw .usage("say which contacts to requeue: --interrupted", command: "requeue")
        }
        let store = try context.openStore(try context.configuration())
        do {
            let count = try store.requeueInterrupted(campaignID: id)
            Console.out("\(count) interrupted contact\(count == 1 ? "" : "s") of \(id) will be dialed again")
        } catch {
            throw .failure("cannot requeue \(id): \(error)")
        }
    }
}
