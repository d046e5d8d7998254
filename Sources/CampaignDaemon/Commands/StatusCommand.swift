import Scheduler

/// `status [--json]`: contact counts per campaign and state.
enum StatusCommand {
    static let columns: [(title: String, state: ContactState)] = [
        ("PENDING", .pending), ("DIALING", .dialing), ("RETRY_WAIT", .retryWait), ("DONE", .done),
        ("FAILED", .failed), ("SKIPPED", .skipped), ("CANCELLED", .cancelled), ("INTERRUPTED", .interrupted),
    ]

    static func run(_ context: CommandContext) throws(CLIError) {
        let arguments = try CommandArguments(context.invocation.arguments, command: "status", flags: ["--json"])
        guard arguments.positionals.isEmpty else {
            throw .usage("status takes no arguments (got \(arguments.positionals.joined(separator: " ")))", command: "status")
        }
        let store = try context.openStore(try context.configuration())
        let statuses: [CampaignStatus]
        do { statuses = try store.campaignStatuses() } catch { throw .failure("cannot read the queue: \(error)") }
        if arguments.flags.contains("--json") {
            Console.out(json(statuses))
        } else {
            Console.out(table(statuses))
        }
    }

    static func json(_ statuses: [CampaignStatus]) -> String {
        var out = "{\"campaigns\":["
        for (index, status) in statuses.enumerated() {
            if index > 0 { out += "," }
            out += "{\"id\":"
            JSONNode.appendQuoted(status.id, to: &out)
            out += ",\"name\":"
            if let name = status.name { JSONNode.appendQuoted(name, to: &out) } else { out += "null" }
            out += ",\"state\":\"\(status.state.rawValue)\",\"total\":\(status.total)"
            for (_, state) in columns { out += ",\"\(state.rawValue)\":\(status.count(state))" }
            out += "}"
        }
        return out + "]}"
    }

    static func table(_ statuses: [CampaignStatus]) -> String {
        guard !statuses.isEmpty else { return "No campaigns. Import one with: campaignd import FILE" }
        let header = ["CAMPAIGN", "STATE", "TOTAL"] + columns.map(\.title)
        var rows = [header]
        for status in statuses {
            rows.append([status.id, status.state.rawValue, String(status.total)] + columns.map { String(status.count($0.state)) })
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return column < 2 ? cell + padding : padding + cell
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
