import Foundation
import Scheduler

/// `report CAMPAIGN [--format text|json|csv|html] [--output FILE]`: a campaign's numbers from its attempts;
/// `report --compliance [CAMPAIGN] [--format text|json]`: the calling-rules audit of its attempts (or everyone's).
enum ReportCommand {
    static let formats = ["text", "json", "csv", "html"]

    static func run(_ context: CommandContext) throws(CLIError) {
        let arguments = try CommandArguments(context.invocation.arguments, command: "report", flags: ["--compliance"],
                                             valued: ["--format", "--output"])
        let compliance = arguments.flags.contains("--compliance")
        guard arguments.positionals.count == 1 || (compliance && arguments.positionals.isEmpty) else {
            throw .usage(compliance ? "report --compliance takes at most one CAMPAIGN id" : "report needs exactly one CAMPAIGN id", command: "report")
        }
        let campaign = arguments.positionals.first
        let format = arguments.values["--format"] ?? "text"
        guard formats.contains(format), !compliance || ["text", "json"].contains(format) else {
            throw .usage(compliance ? "--format with --compliance is text or json, not \"\(format)\""
                                    : "--format is text, json, csv or html, not \"\(format)\"", command: "report")
        }
        let configuration = try context.configuration()
        let store = try context.openStore(configuration)
        let output: String
        if compliance {
            let audit = try audit(campaign, store: store, policy: configuration.callingPolicy)
            output = format == "json" ? audit.json : audit.text
        } else {
            var report = try build(campaign ?? "", store: store)
            if format == "html" { report.compliance = try audit(campaign, store: store, policy: configuration.callingPolicy) }
            output = render(report, format: format)
        }
        if let path = arguments.values["--output"] {
            do {
                try output.write(toFile: path, atomically: true, encoding: .utf8)
            } catch {
                throw .failure("cannot write \(path): \((error as NSError).localizedDescription)")
            }
        } else {
            Console.out(output)
        }
    }

    static func build(_ campaign: String, store: QueueStore) throws(CLIError) -> CampaignReport {
        do {
            guard let status = try store.campaignStatuses().first(where: { $0.id == campaign }) else {
                throw CLIError.failure("no campaign \"\(campaign)\"")
            }
            return CampaignReport(campaignID: campaign, name: status.name, records: try store.finishedAttempts(campaignID: campaign))
        } catch let error as CLIError {
            throw error
        } catch {
            throw .failure("cannot read the queue: \(error)")
        }
    }

    /// The calling-rules audit of `campaign`'s attempts (every campaign's when nil).
    static func audit(_ campaign: String?, store: QueueStore, policy: CallingPolicy) throws(CLIError) -> ComplianceAudit {
        do {
            if let campaign, try !store.campaignStatuses().contains(where: { $0.id == campaign }) {
                throw CLIError.failure("no campaign \"\(campaign)\"")
            }
            return ComplianceAudit(try store.auditedAttempts(campaignID: campaign), policy: policy, scope: campaign)
        } catch let error as CLIError {
            throw error
        } catch {
            throw .failure("cannot read the queue: \(error)")
        }
    }

    static func render(_ report: CampaignReport, format: String) -> String {
        switch format {
        case "json": report.json
        case "csv": report.csv
        case "html": report.html
        default: report.text
        }
    }

    /// `run --once --report-dir DIR`: one HTML report per campaign that made calls in this run.
    static func writeReports(_ campaigns: Set<String>, to directory: String, store: QueueStore, policy: CallingPolicy) -> [String] {
        var written: [String] = []
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let stamp = String(Timestamp.iso8601(Timestamp.nowMs()).prefix(10))
        for campaign in campaigns.sorted() {
            guard var report = try? build(campaign, store: store) else { continue }
            report.compliance = try? audit(campaign, store: store, policy: policy)
            let path = directory + "/\(campaign)-\(stamp).html"
            if (try? report.html.write(toFile: path, atomically: true, encoding: .utf8)) != nil { written.append(path) }
        }
        return written
    }
}
