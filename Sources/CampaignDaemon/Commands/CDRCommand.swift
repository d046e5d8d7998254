import Foundation
import Scheduler

/// `cdr [--follow] [--campaign ID] [--since TIME] [--format jsonl|csv]`: prints CDRs from the files.
enum CDRCommand {
    static let csvColumns = [
        "outboundCall", "cdrId", "conversationId", "sipCallId", "campaignId", "contactId", "attempt", "target", "caller",
        "trunk", "startTime", "ringTime", "connectTime", "disconnectTime", "ringDurationMs", "connectDurationMs",
        "callDurationSec", "status", "reasonCode", "reason", "sipCode", "redirectedTo", "machineDetection", "amdDecisionMs",
        "beepDetected", "optedOut", "willRetry", "nextAttemptAt", "metadata", "cdrSeq", "timeZones", "zoneSource",
        "connectTarget", "connectSipCode", "connectAnswerMs", "connectedSec", "abandoned",
    ]

    static func run(_ context: CommandContext) async throws(CLIError) {
        let arguments = try CommandArguments(context.invocation.arguments, command: "cdr", flags: ["--follow"],
                                             valued: ["--campaign", "--since", "--format"])
        let format = arguments.values["--format"] ?? "jsonl"
        guard format == "jsonl" || format == "csv" else { throw .usage("--format is jsonl or csv, not \"\(format)\"", command: "cdr") }
        let since = arguments.values["--since"]
        if let since, since.count < 10 || since.prefix(4).allSatisfy(\.isNumber) == false {
            throw .usage("--since takes an ISO 8601 time or date such as 2026-11-21 or 2026-11-21T08:00:00Z", command: "cdr")
        }
        let directory = try context.configuration().dataDirectory + "/cdr"
        let filter = Filter(campaign: arguments.values["--campaign"], since: since)
        if format == "csv" { Console.out(csvColumns.joined(separator: ",")) }
        var offsets: [String: UInt64] = [:]
        repeat {
            for line in CDRFileTail.readNewLines(in: directory, offsets: &offsets) where filter.accepts(line) {
                Console.out(format == "csv" ? csvLine(line) : String(decoding: line, as: UTF8.self))
            }
            if arguments.flags.contains("--follow") { try? await Task.sleep(for: .milliseconds(250)) }
        } while arguments.flags.contains("--follow")
    }

    struct Filter {
        var campaign: String?
        var since: String?
        /// The campaign id in quotes, as bytes: a line without them is another campaign's, known
        /// without parsing it. Only for a valid campaign id, which has no character JSON escapes.
        private let quotedCampaign: [UInt8]?

        init(campaign: String?, since: String?) {
            self.campaign = campaign
            self.since = since
            quotedCampaign = campaign.flatMap { CampaignLoader.problem(withID: $0) == nil ? Array("\"\($0)\"".utf8) : nil }
        }

        func accepts(_ line: Data.SubSequence) -> Bool {
            guard campaign != nil || since != nil else { return true }
            if let quotedCampaign, !line.withUnsafeBytes({ Self.contains($0, quotedCampaign) }) { return false }
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else { return false }
            if let campaign, object["campaignId"] as? String != campaign { return false }
            // ISO 8601 UTC times compare as text.
            if let since, let start = object["startTime"] as? String, start < since { return false }
            return true
        }

        /// Whether `bytes` holds `needle` (not empty) somewhere.
        private static func contains(_ bytes: UnsafeRawBufferPointer, _ needle: [UInt8]) -> Bool {
            guard let first = needle.first, bytes.count >= needle.count else { return false }
            var index = 0
            while index <= bytes.count - needle.count {
                if bytes[index] == first {
                    var matched = 1
                    while matched < needle.count, bytes[index + matched] == needle[matched] { matched += 1 }
                    if matched == needle.count { return true }
                }
                index += 1
            }
            return false
        }
    }

    static func csvLine(_ line: Data.SubSequence) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else { return "" }
        return csvColumns.map { key -> String in
            let value: String
            switch object[key] {
            case nil, is NSNull: value = ""
            case let text as String: value = text
            case let number as NSNumber:
                let isFlag = ["outboundCall", "willRetry", "beepDetected", "optedOut", "abandoned"].contains(key)
                value = isFlag ? (number.boolValue ? "true" : "false") : number.stringValue
            case let nested? where JSONSerialization.isValidJSONObject(nested):
                // Only arrays and objects may go to JSONSerialization (anything else traps).
                value = (try? JSONSerialization.data(withJSONObject: nested, options: [.sortedKeys, .withoutEscapingSlashes]))
                    .map { String(decoding: $0, as: UTF8.self) } ?? ""
            case let other?:
                value = "\(other)"
            }
            return value.contains(",") || value.contains("\"") || value.contains("\n")
                ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
        }.joined(separator: ",")
    }
}
