import Foundation
import Scheduler

/// `report CAMPAIGN [--format text|json|csv|html] [--output FILE]`: a campaign's numbers from its attempts.
enum ReportCommand {
    static let formats = ["text", "json", "csv", "html"]

    static func run(_ context: CommandContext) throws(CLIError) {
        let arguments = try CommandArguments(context.invocation.arguments, command: "report", valued: ["--format", "--output"])
        guard arguments.positionals.count == 1, let campaign = arguments.positionals.first else {
            throw .usage("report needs exactly one CAMPAIGN id", command: "report")
        }
        let format = arguments.values["--format"] ?? "text"
        guard formats.contains(format) else {
            throw .usage("--format is text, json, csv or html, not \"\(format)\"", command: "report")
        }
        let store = try context.openStore(try context.configuration())
        let report = try build(campaign, store: store)
        let output = render(report, format: format)
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

    static func render(_ report: CampaignReport, format: String) -> String {
        switch format {
        case "json": report.json
        case "csv": report.csv
        case "html": report.html
        default: report.text
        }
    }

    /// `run --once --report-dir DIR`: one HTML report per campaign that made calls in this run.
    static func writeReports(_ campaigns: Set<String>, to directory: String, store: QueueStore) -> [String] {
        var written: [String] = []
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let stamp = String(Timestamp.iso8601(Timestamp.nowMs()).prefix(10))
        for campaign in campaigns.sorted() {
            guard let report = try? build(campaign, store: store) else { continue }
            let path = directory + "/\(campaign)-\(stamp).html"
            if (try? report.html.write(toFile: path, atomically: true, encoding: .utf8)) != nil { written.append(path) }
        }
        return written
    }
}
