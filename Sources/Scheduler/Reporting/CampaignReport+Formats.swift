import Foundation

/// `campaignd report` output: text for a terminal, JSON and CSV for programs, HTML for people.
extension CampaignReport {
    public var text: String {
        var lines = [
            "Campaign \(campaignID)" + (name.map { " (\($0))" } ?? "") + ", report of \(Timestamp.iso8601(generatedAt))",
            "",
            "attempts            \(attempts)  (retries \(retries))",
            "contacts            \(contacts), reached \(contactsReached)",
            "answered            \(answered)  ASR " + String(format: "%.1f%%", asr * 100),
            "average call (ACD)  " + String(format: "%.1f s", acdSeconds),
            "DNC opt-outs        \(optOuts)",
        ]
        if let connect = abandonment {
            lines += [
                "put through         \(connect.people) people, \(connect.connected) taken by an agent (transferred \(connect.transferred))",
                "abandoned           \(connect.abandoned)  rate " + Self.percent(connect.rate) + ", last 30 days "
                    + Self.percent(connect.last30Days.rateLast30Days) + " of \(connect.last30Days.peopleLast30Days) (US limit 3.0%)",
                "agent answer        " + (connect.medianAnswerMs.map { "median \($0) ms" } ?? "-")
                    + ", connected " + (connect.averageConnectedSec.map { String(format: "%.1f s", $0) } ?? "-") + " on average",
            ]
        }
        lines += [
            "",
            "outcomes (reasonCode):",
        ]
        lines += byReasonCode.map { "  " + $0.key.padding(toLength: 22, withPad: " ", startingAt: 0) + String($0.count) }
        lines.append("SIP codes:")
        lines += bySIPCode.map { "  " + $0.key.padding(toLength: 22, withPad: " ", startingAt: 0) + String($0.count) }
        if !amdVerdicts.isEmpty {
            lines.append("AMD verdicts (median decision \(amdMedianDecisionMs.map { "\($0) ms" } ?? "-") after answer):")
            lines += amdVerdicts.map { "  " + $0.key.padding(toLength: 22, withPad: " ", startingAt: 0) + String($0.count) }
        }
        lines.append("calls by hour (UTC):")
        for hour in 0..<24 where callsByHour[hour] > 0 {
            lines.append(String(format: "  %02d:00  %6d  ", hour, callsByHour[hour])
                + String(repeating: "#", count: max(1, callsByHour[hour] * 40 / max(1, callsByHour.max() ?? 1))))
        }
        return lines.joined(separator: "\n")
    }

    public var json: String {
        func pairs(_ list: [(key: String, count: Int)]) -> String {
            "{" + list.map { item -> String in
                var key = ""
                JSONNode.appendQuoted(item.key, to: &key)
                return key + ":\(item.count)"
            }.joined(separator: ",") + "}"
        }
        var out = "{\"campaignId\":"
        JSONNode.appendQuoted(campaignID, to: &out)
        out += ",\"name\":"
        if let name { JSONNode.appendQuoted(name, to: &out) } else { out += "null" }
        out += ",\"generatedAt\":\"\(Timestamp.iso8601(generatedAt))\""
        out += ",\"attempts\":\(attempts),\"contacts\":\(contacts),\"contactsReached\":\(contactsReached),\"answered\":\(answered)"
        out += String(format: ",\"asr\":%.4f,\"acdSeconds\":%.3f", asr, acdSeconds)
        out += ",\"retries\":\(retries),\"dncOptOuts\":\(optOuts)"
        out += ",\"byReasonCode\":" + pairs(byReasonCode) + ",\"bySipCode\":" + pairs(bySIPCode)
        out += ",\"amd\":{\"verdicts\":" + pairs(amdVerdicts) + ",\"medianDecisionMs\":" + (amdMedianDecisionMs.map(String.init) ?? "null") + "}"
        out += ",\"callsByHourUtc\":[" + callsByHour.map(String.init).joined(separator: ",") + "]"
        out += ",\"connect\":"
        if let connect = abandonment {
            out += "{\"people\":\(connect.people),\"connected\":\(connect.connected),\"transferred\":\(connect.transferred)"
            out += ",\"agentDisconnected\":\(connect.agentDisconnected),\"abandoned\":\(connect.abandoned)"
            out += String(format: ",\"abandonRate\":%.4f", connect.rate)
            out += ",\"last30Days\":{\"people\":\(connect.last30Days.peopleLast30Days),\"abandoned\":\(connect.last30Days.abandonedLast30Days)"
            out += String(format: ",\"abandonRate\":%.4f}", connect.last30Days.rateLast30Days)
            out += ",\"medianAnswerMs\":" + (connect.medianAnswerMs.map(String.init) ?? "null")
            out += ",\"averageConnectedSec\":" + (connect.averageConnectedSec.map { String(format: "%.3f", $0) } ?? "null")
            out += ",\"days\":[" + connect.days.map {
                "{\"date\":\"\($0.date)\",\"people\":\($0.people),\"abandoned\":\($0.abandoned)" + String(format: ",\"rolling30DayRate\":%.4f}", $0.rollingRate)
            }.joined(separator: ",") + "]}"
        } else {
            out += "null"
        }
        return out + "}"
    }

    /// `section,key,value` rows, one metric a row.
    public var csv: String {
        var rows = ["section,key,value"]
        func quote(_ text: String) -> String { text.contains(",") || text.contains("\"") ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text }
        rows += [
            "summary,campaignId,\(quote(campaignID))", "summary,attempts,\(attempts)", "summary,contacts,\(contacts)",
            "summary,contactsReached,\(contactsReached)", "summary,answered,\(answered)", String(format: "summary,asr,%.4f", asr),
            String(format: "summary,acdSeconds,%.3f", acdSeconds), "summary,retries,\(retries)", "summary,dncOptOuts,\(optOuts)",
        ]
        rows += byReasonCode.map { "reasonCode,\(quote($0.key)),\($0.count)" }
        rows += bySIPCode.map { "sipCode,\($0.key),\($0.count)" }
        rows += amdVerdicts.map { "amd,\(quote($0.key)),\($0.count)" }
        if let median = amdMedianDecisionMs { rows.append("amd,medianDecisionMs,\(median)") }
        rows += (0..<24).map { String(format: "hourUtc,%02d,%d", $0, callsByHour[$0]) }
        if let connect = abandonment {
            rows += ["connect,people,\(connect.people)", "connect,connected,\(connect.connected)", "connect,transferred,\(connect.transferred)",
                     "connect,abandoned,\(connect.abandoned)", String(format: "connect,abandonRate,%.4f", connect.rate),
                     String(format: "connect,abandonRateLast30Days,%.4f", connect.last30Days.rateLast30Days)]
            rows += connect.days.map { String(format: "abandonRate30DaysUtc,%@,%.4f", $0.date, $0.rollingRate) }
        }
        return rows.joined(separator: "\n")
    }

    /// One self-contained HTML page with inline SVG charts: no scripts, fonts or network.
    public var html: String {
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        let title = "Campaign " + escape(campaignID) + (name.map { " — " + escape($0) } ?? "")
        var tileValues: [(String, String)] = [
            ("Attempts", "\(attempts)"), ("Contacts reached", "\(contactsReached) of \(contacts)"),
            ("Answer rate (ASR)", String(format: "%.1f%%", asr * 100)), ("Average call (ACD)", String(format: "%.1f s", acdSeconds)),
            ("Retries", "\(retries)"), ("DNC opt-outs", "\(optOuts)"),
        ]
        if let connect = abandonment { tileValues.append(("Abandonment rate", Self.percent(connect.rate))) }
        let tiles = tileValues.map { "<div class=\"tile\"><div class=\"label\">\($0.0)</div><div class=\"value\">\($0.1)</div></div>" }.joined()
        let hours = (0..<24).map { (key: String(format: "%02d", $0), count: callsByHour[$0]) }
        var body = "<h1>\(title)</h1><p class=\"when\">Report of \(Timestamp.iso8601(generatedAt))</p><div class=\"tiles\">\(tiles)</div>"
        body += "<h2>Outcomes</h2>" + Self.barChart(byReasonCode, color: "#3566a8", escape: escape)
        body += "<h2>Calls per hour of the day (UTC)</h2>" + Self.columnChart(hours, color: "#2e8b57")
        if !amdVerdicts.isEmpty {
            body += "<h2>Answering-machine detection</h2><p>Median decision \(amdMedianDecisionMs.map { "\($0) ms" } ?? "-") after the answer.</p>"
            body += Self.barChart(amdVerdicts, color: "#b5651d", escape: escape)
        }
        body += "<h2>SIP codes</h2>" + Self.barChart(bySIPCode, color: "#777777", escape: escape)
        if let connect = abandonment {
            let overall = Self.percent(connect.rate), recent = Self.percent(connect.last30Days.rateLast30Days)
            body += "<h2>Abandoned calls</h2><p>\(connect.people) people put through, \(connect.abandoned) abandoned: \(overall) over the campaign, "
            body += "\(recent) over the last 30 days. The US limit is 3&nbsp;% of the people answered over 30 days.</p>"
            body += Self.abandonmentChart(connect.days, limit: AbandonmentSummary.usLimit)
        }
        if let compliance { body += compliance.htmlSection(escape: escape) }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(title)</title>
            <style>
            body{font-family:sans-serif;margin:2em;color:#222;max-width:60em}
            h1{margin-bottom:0}.when{color:#666;margin-top:.2em}
            .tiles{display:flex;flex-wrap:wrap;gap:1em;margin:1em 0}
            .tile{border:1px solid #ddd;border-radius:6px;padding:.6em 1em;min-width:9em}
            .label{color:#666;font-size:.85em}.value{font-size:1.6em;font-weight:bold}
            svg text{font-family:sans-serif;font-size:12px;fill:#222}
            </style></head><body>\(body)</body></html>
            """
    }

    static func percent(_ rate: Double) -> String { String(format: "%.1f%%", rate * 100) }

    /// The rolling 30-day abandonment rate of each day as columns, red above `limit`, with the
    /// limit drawn across as a dashed line.
    static func abandonmentChart(_ days: [AbandonmentSummary.Day], limit: Double) -> String {
        let shown = days.suffix(90)
        let top = max(limit * 2, shown.map(\.rollingRate).max() ?? 0)
        let width = max(6, min(26, 640 / max(1, shown.count))), height = 160, left = 44
        func y(_ rate: Double) -> Int { 14 + height - Int((rate / top * Double(height)).rounded()) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(left + shown.count * width + 60)\" height=\"\(height + 44)\" role=\"img\" class=\"abandonment\">"
        svg += "<text x=\"\(left - 4)\" y=\"\(y(top) + 4)\" text-anchor=\"end\">\(percent(top))</text>"
        svg += "<text x=\"\(left - 4)\" y=\"\(y(0) + 4)\" text-anchor=\"end\">0%</text>"
        for (index, day) in shown.enumerated() {
            let x = left + index * width
            let bar = y(0) - y(day.rollingRate)
            let color = day.rollingRate > limit ? "#c0392b" : "#3566a8"
            svg += "<rect x=\"\(x + 1)\" y=\"\(y(day.rollingRate))\" width=\"\(width - 2)\" height=\"\(max(bar, 1))\" fill=\"\(color)\">"
            svg += "<title>\(day.date): \(percent(day.rollingRate)) over 30 days (\(day.abandoned) of \(day.people) that day)</title></rect>"
        }
        if let first = shown.first, let last = shown.last {
            svg += "<text x=\"\(left)\" y=\"\(height + 34)\">\(first.date)</text>"
            if shown.count > 1 { svg += "<text x=\"\(left + shown.count * width)\" y=\"\(height + 34)\" text-anchor=\"end\">\(last.date)</text>" }
        }
        let limitY = y(limit)
        svg += "<line class=\"limit\" x1=\"\(left)\" y1=\"\(limitY)\" x2=\"\(left + shown.count * width)\" y2=\"\(limitY)\" stroke=\"#c0392b\" stroke-dasharray=\"6 4\"/>"
        svg += "<text x=\"\(left + shown.count * width + 4)\" y=\"\(limitY + 4)\">\(percent(limit))</text>"
        return svg + "</svg>"
    }

    /// Horizontal bars, one per item, labelled with the count.
    static func barChart(_ items: [(key: String, count: Int)], color: String, escape: (String) -> String) -> String {
        guard !items.isEmpty else { return "<p>None.</p>" }
        let top = max(1, items.map(\.count).max() ?? 1)
        let rowHeight = 24
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"\(items.count * rowHeight + 8)\" role=\"img\">"
        for (index, item) in items.enumerated() {
            let y = index * rowHeight + 4
            let width = item.count * 420 / top
            svg += "<text x=\"150\" y=\"\(y + 16)\" text-anchor=\"end\">\(escape(item.key))</text>"
            svg += "<rect x=\"160\" y=\"\(y + 3)\" width=\"\(max(width, 1))\" height=\"18\" fill=\"\(color)\"><title>\(escape(item.key)): \(item.count)</title></rect>"
            svg += "<text x=\"\(166 + width)\" y=\"\(y + 16)\">\(item.count)</text>"
        }
        return svg + "</svg>"
    }

    /// Vertical columns (the 24 hours), labelled underneath.
    static func columnChart(_ items: [(key: String, count: Int)], color: String) -> String {
        let top = max(1, items.map(\.count).max() ?? 1)
        let width = 26, height = 160
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(items.count * width + 20)\" height=\"\(height + 40)\" role=\"img\">"
        for (index, item) in items.enumerated() {
            let x = 10 + index * width
            let bar = item.count * height / top
            svg += "<rect x=\"\(x + 3)\" y=\"\(height - bar + 14)\" width=\"\(width - 6)\" height=\"\(bar)\" fill=\"\(color)\"><title>\(item.key):00 \(item.count)</title></rect>"
            if item.count > 0 { svg += "<text x=\"\(x + width / 2)\" y=\"\(height - bar + 10)\" text-anchor=\"middle\">\(item.count)</text>" }
            svg += "<text x=\"\(x + width / 2)\" y=\"\(height + 30)\" text-anchor=\"middle\">\(item.key)</text>"
        }
        return svg + "</svg>"
    }
}
