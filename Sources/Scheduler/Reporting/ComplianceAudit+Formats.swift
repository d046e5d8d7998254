import Foundation

extension ComplianceAudit {
    /// What `report --compliance` prints.
    public var text: String {
        var lines = [
            "compliance audit of " + (scope.map { "campaign \($0)" } ?? "every campaign"),
            "attempts checked: \(attemptsChecked)",
            "attempts outside a calling window: \(outside.count)",
            "most attempts to one number in one local day: \(maxAttemptsPerNumberPerDay) (cap: \(cap.map(String.init) ?? "none"))",
            "numbers over their cap: \(overCap.count)",
        ]
        for item in outside {
            lines.append("outside: \(Timestamp.iso8601(item.startTime)) \(item.target) campaign \(item.campaignID) attempt \(item.attempt): "
                + item.closedIn.joined(separator: "; ") + " was shut")
        }
        for item in overCap {
            lines.append("over cap: \(item.target) on \(item.day): \(item.attempts) attempts, cap \(item.cap)")
        }
        return lines.joined(separator: "\n")
    }

    public var json: String {
        func quoted(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        let outsideItems = outside.map { item in
            "{\"campaignId\":\(quoted(item.campaignID)),\"attempt\":\(item.attempt),\"target\":\(quoted(item.target)),"
                + "\"startTime\":\(quoted(Timestamp.iso8601(item.startTime))),\"closedIn\":[" + item.closedIn.map(quoted).joined(separator: ",") + "]}"
        }
        let overItems = overCap.map { item in
            "{\"target\":\(quoted(item.target)),\"day\":\(quoted(item.day)),\"attempts\":\(item.attempts),\"cap\":\(item.cap)}"
        }
        return "{\"campaign\":\(scope.map(quoted) ?? "null"),\"attemptsChecked\":\(attemptsChecked),"
            + "\"outsideWindow\":[\(outsideItems.joined(separator: ","))],"
            + "\"maxAttemptsPerNumberPerDay\":\(maxAttemptsPerNumberPerDay),\"cap\":\(cap.map(String.init) ?? "null"),"
            + "\"overCap\":[\(overItems.joined(separator: ","))]}"
    }

    /// The audit as a section of the HTML report.
    func htmlSection(escape: (String) -> String) -> String {
        var html = "<h2>Calling rules</h2><div class=\"tiles\">"
        html += [
            ("Attempts outside a window", "\(outside.count)"),
            ("Most attempts / number / day", "\(maxAttemptsPerNumberPerDay)" + (cap.map { " of \($0)" } ?? "")),
            ("Numbers over their cap", "\(overCap.count)"),
        ].map { "<div class=\"tile\"><div class=\"label\">\($0.0)</div><div class=\"value\">\($0.1)</div></div>" }.joined()
        html += "</div>"
        if !outside.isEmpty || !overCap.isEmpty {
            html += "<ul>"
            html += outside.prefix(100).map {
                "<li>\(Timestamp.iso8601($0.startTime)) \(escape($0.target)) attempt \($0.attempt): \(escape($0.closedIn.joined(separator: "; "))) was shut</li>"
            }.joined()
            html += overCap.prefix(100).map { "<li>\(escape($0.target)) on \($0.day): \($0.attempts) attempts, cap \($0.cap)</li>" }.joined()
            html += "</ul>"
        }
        return html
    }
}
