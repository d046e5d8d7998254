import Foundation
import IO
import Scheduler

/// `GET /v1/cdrs?campaign=&since=&last=&format=jsonl|csv[&follow=true]`: the CDR files' lines that
/// match, read the way `campaignd cdr` reads them (whole lines only, one JSON object each); `last=N`
/// keeps only the newest N of them (then, with `follow`, every new one).
enum CDRsEndpoint {
    enum Format: String {
        case jsonl, csv
    }

    static func list(_ exchange: APIExchange, context: APIContext) {
        let query = exchange.query
        guard let format = Format(rawValue: query["format"] ?? "jsonl") else {
            exchange.fail(.badRequest("format is jsonl or csv, not \"\(query["format"] ?? "")\""))
            return
        }
        let since = query["since"]
        if let since, since.count < 10 || !since.prefix(4).allSatisfy(\.isNumber) {
            exchange.fail(.badRequest("since takes an ISO 8601 time or date such as 2026-11-21 or 2026-11-21T08:00:00Z"))
            return
        }
        var last: Int?
        if let text = query["last"] {
            guard let count = Int(text), (1...10_000).contains(count) else {
                exchange.fail(.badRequest("last takes a number of CDRs from 1 to 10000, not \"\(text)\""))
                return
            }
            last = count
        }
        let filter = CDRCommand.Filter(campaign: query["campaign"], since: since)
        let follow = query["follow"] == "true" || query["follow"] == "1"
        let head = HTTPResponse(status: 200, headers: ["Content-Type": format == .csv ? "text/csv" : "application/x-ndjson"])
        // RFC 9110 §9.3.2: HEAD gets the headers alone (a stream would send a body).
        guard exchange.request.method != .head else {
            exchange.respond(head)
            return
        }
        let responder = exchange.responder
        exchange.respond(streamHead: head)
        if format == .csv { responder.send(Array((CDRCommand.csvColumns.joined(separator: ",") + "\n").utf8)) }
        /// Sends what the files gained since the last look (at first, with `newest`, only that many
        /// of the newest lines, read from the files' ends); with `follow`, looks again in 250 ms for as
        /// long as the client reads.
        @Sendable func pass(_ offsets: [String: UInt64], newest: Int?) {
            var offsets = offsets
            var text = ""
            let lines: [Data.SubSequence]
            if let newest {
                (lines, offsets) = CDRFileTail.readLastLines(in: context.cdrDirectory, count: newest, accepts: filter.accepts)
            } else {
                lines = CDRFileTail.readNewLines(in: context.cdrDirectory, offsets: &offsets).filter(filter.accepts)
            }
            for line in lines {
                text += (format == .csv ? CDRCommand.csvLine(line) : String(decoding: line, as: UTF8.self)) + "\n"
                if text.utf8.count >= 65_536 {
                    responder.send(Array(text.utf8))
                    text = ""
                }
            }
            if !text.isEmpty { responder.send(Array(text.utf8)) }
            guard follow else {
                responder.finish()
                return
            }
            guard !responder.isClosed else { return }
            let next = offsets
            streams.asyncAfter(deadline: .now() + .milliseconds(250)) { pass(next, newest: nil) }
        }
        let newest = last
        streams.async { pass([:], newest: newest) }
    }

    /// Every CDR stream reads the files here, one look at a time: one thread whatever the number of
    /// followers.
    static let streams = DispatchQueue(label: "campaignd-api-cdrs")

}
