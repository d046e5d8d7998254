import Foundation
import Scheduler

/// `status [--json]`: contact counts per campaign and state.
enum StatusCommand {
    static let columns: [(title: String, state: ContactState)] = [
        ("PENDING", .pending), ("DIALING", .dialing), ("RETRY_WAIT", .retryWait), ("DONE", .done),
        ("FAILED", .failed), ("SKIPPED", .skipped), ("CANCELLED", .cancelled), ("INTERRUPTED", .interrupted),
    ]

    static func run(_ context: CommandContext) throws(CLIError) {
        let arguments = try CommandArguments(context.invocation.arguments, command: "status", flags: ["--json", "--watch"])
        guard arguments.positionals.isEmpty else {
            throw .usage("status takes no arguments (got \(arguments.positionals.joined(separator: " ")))", command: "status")
        }
        let configuration = try context.configuration()
        let store = try context.openStore(configuration)
        if arguments.flags.contains("--watch") {
            guard !arguments.flags.contains("--json") else { throw .usage("--watch and --json do not go together", command: "status") }
            while true {
                let frame: String
                do { frame = try watchFrame(store) } catch { throw .failure("cannot read the queue: \(error)") }
                // Clear the screen and draw from the top left.
                Console.out("\u{1B}[H\u{1B}[2J" + frame)
                Thread.sleep(forTimeInterval: 1)
            }
        }
        let statuses: [CampaignStatus]
        let webhooks: [String: NotificationBacklog]
        do {
            statuses = try store.campaignStatuses()
            webhooks = try store.notificationBacklog()
        } catch {
            throw .failure("cannot read the queue: \(error)")
        }
        if arguments.flags.contains("--json") {
            Console.out(json(statuses, webhooks: webhooks, trunks: RegistrationStatusFile.entries(dataDirectory: configuration.dataDirectory)))
        } else {
            Console.out(table(statuses))
            let lines = zoneLines(statuses) + webhookLines(statuses, webhooks)
            if !lines.isEmpty { Console.out("\n" + lines.joined(separator: "\n")) }
            // Registering trunks, as the running daemon last saw them (RFC 3261 §10).
            let trunks = RegistrationStatusFile.lines(dataDirectory: configuration.dataDirectory)
            if !trunks.isEmpty { Console.out("\n" + trunks.joined(separator: "\n")) }
        }
    }

    /// One screen of `status --watch`: a progress bar per campaign and its calls per minute.
    static func watchFrame(_ store: QueueStore) throws -> String {
        let statuses = try store.campaignStatuses()
        let now = Timestamp.nowMs()
        let lastMinute = try store.attemptsEnded(since: now - 60_000)
        var lines = ["campaignd status  \(Timestamp.iso8601(now))   (Ctrl-C to stop)", ""]
        guard !statuses.isEmpty else { return (lines + ["No campaigns."]).joined(separator: "\n") }
        let width = max(8, statuses.map(\.id.count).max() ?? 8)
        for status in statuses {
            let finished = status.count(.done) + status.count(.failed) + status.count(.skipped) + status.count(.cancelled) + status.count(.interrupted)
            let fraction = status.total == 0 ? 1 : Double(finished) / Double(status.total)
            let filled = Int((fraction * 30).rounded(.down))
            let bar = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled) + "]"
            let percent = String(format: "%5.1f%%", fraction * 100)
            let rate = lastMinute[status.id] ?? 0
            lines.append(status.id.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + status.state.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
                + " " + bar + " " + percent + "  \(finished)/\(status.total)  dialing \(status.count(.dialing))  retry_wait \(status.count(.retryWait))  \(rate) calls/min")
        }
        return lines.joined(separator: "\n")
    }

    /// Where the time zones of each campaign's attempts came from (contact, number, campaign, default).
    static func zoneLines(_ statuses: [CampaignStatus]) -> [String] {
        statuses.compactMap { status in
            let parts = ZoneSource.allCases.compactMap { source in status.attemptsByZoneSource[source].map { "\(source.rawValue) \($0)" } }
            return parts.isEmpty ? nil : "time zones \(status.id): attempts by zone source: " + parts.joined(separator: ", ")
        }
    }

    /// Webhooks still waiting or given up on, per campaign (errors without URLs' credentials).
    static func webhookLines(_ statuses: [CampaignStatus], _ webhooks: [String: NotificationBacklog]) -> [String] {
        statuses.compactMap { status in
            guard let backlog = webhooks[status.id], backlog.pending + backlog.failed > 0 else { return nil }
            return "webhooks \(status.id): \(backlog.pending) waiting, \(backlog.failed) failed"
                + (backlog.lastError.map { " (last error: \($0))" } ?? "")
        }
    }

    /// `{"campaigns": [...], "trunks": [...]}`; `trunks` lists registering trunks as the running daemon last saw them.
    static func json(_ statuses: [CampaignStatus], webhooks: [String: NotificationBacklog] = [:],
                     trunks: [RegistrationStatusFile.Entry] = []) -> String {
        var out = "{\"campaigns\":["
        for (index, status) in statuses.enumerated() {
            if index > 0 { out += "," }
            out += "{\"id\":"
            JSONNode.appendQuoted(status.id, to: &out)
            out += ",\"name\":"
            if let name = status.name { JSONNode.appendQuoted(name, to: &out) } else { out += "null" }
            out += ",\"state\":\"\(status.state.rawValue)\",\"total\":\(status.total)"
            for (_, state) in columns { out += ",\"\(state.rawValue)\":\(status.count(state))" }
            out += ",\"attemptsByZoneSource\":{" + ZoneSource.allCases.compactMap { source in
                status.attemptsByZoneSource[source].map { "\"\(source.rawValue)\":\($0)" }
            }.joined(separator: ",") + "}"
            let backlog = webhooks[status.id] ?? NotificationBacklog()
            out += ",\"webhooks\":{\"waiting\":\(backlog.pending),\"failed\":\(backlog.failed),\"lastError\":"
            if let error = backlog.lastError { JSONNode.appendQuoted(error, to: &out) } else { out += "null" }
            out += "}}"
        }
        out += "],\"trunks\":["
        for (index, entry) in trunks.enumerated() {
            if index > 0 { out += "," }
            out += "{\"name\":"
            JSONNode.appendQuoted(entry.trunk, to: &out)
            out += ",\"registration\":"
            JSONNode.appendQuoted(entry.status, to: &out)
            out += ",\"since\":"
            JSONNode.appendQuoted(entry.since, to: &out)
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
