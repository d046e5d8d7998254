import Foundation
import Telephony
import Testing
@testable import Scheduler

@Suite struct AbandonmentReportTests {
    static let day: Int64 = 86_400_000
    /// 2026-11-20T12:00:00Z.
    static let now: Int64 = 1_795_176_000_000

    /// A person (or, with `machine`, a machine) put through on `day` days before `now`.
    func record(_ index: Int, daysAgo: Int64, abandoned: Bool, machine: Bool = false) -> CDRRecord {
        let end = Self.now - daysAgo * Self.day
        var record = CDRRecord(
            cdrId: "c\(index)", conversationId: "v\(index)", sipCallId: nil, campaignId: "sales", contactId: Int64(index), attempt: 1,
            target: "+1555000\(1000 + index)", caller: nil, trunk: nil, startTime: end - 60_000, ringTime: nil, connectTime: end - 50_000,
            disconnectTime: end, status: .completed, reasonCode: abandoned ? .abandoned : .agentDisconnected, reason: nil, sipCode: nil,
            machineDetection: machine ? .machineDetected : .humanDetected, amdDecisionMs: 1500, beepDetected: nil, willRetry: false,
            nextAttemptAt: nil, metadata: "{}")
        record.connectTarget = "sip:agents@pbx.example"
        record.connectSipCode = abandoned ? 486 : 200
        record.connectAnswerMs = abandoned ? nil : 400 + Int64(index)
        record.connectedSec = abandoned ? nil : 30
        record.abandoned = abandoned
        return record
    }

    @Test func theReportGivesTheAbandonmentRatesAndChartsThemAgainstTheThreePercentLine() throws {
        // 40 days ago: 50 people, 5 abandoned (10 %: out of the 30-day window by now).
        // 2 days ago: 100 people, 2 abandoned. Today: 50 people, 1 abandoned, and 10 machines (not people).
        var records: [CDRRecord] = []
        for index in 0..<50 { records.append(record(index, daysAgo: 40, abandoned: index < 5)) }
        for index in 50..<150 { records.append(record(index, daysAgo: 2, abandoned: index < 52)) }
        for index in 150..<200 { records.append(record(index, daysAgo: 0, abandoned: index < 151)) }
        for index in 200..<210 { records.append(record(index, daysAgo: 0, abandoned: false, machine: true)) }
        let report = CampaignReport(campaignID: "sales", name: nil, records: records, generatedAt: Self.now)
        let summary = try #require(report.abandonment)
        #expect(summary.people == 200)
        #expect(summary.abandoned == 8)
        #expect(summary.rate == 0.04)
        #expect(summary.last30Days == AbandonmentStats(people: 150, abandoned: 3, peopleLast30Days: 150, abandonedLast30Days: 3))
        #expect(summary.days.map(\.date) == ["2026-10-11", "2026-11-18", "2026-11-20"])
        #expect(summary.days.map(\.rollingRate) == [0.1, 0.02, 0.02])

        #expect(report.text.contains("abandoned           8  rate 4.0%, last 30 days 2.0% of 150 (US limit 3.0%)"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any])
        let connect = try #require(json["connect"] as? [String: Any])
        #expect(connect["people"] as? Int == 200)
        #expect(connect["abandonRate"] as? Double == 0.04)
        #expect((connect["last30Days"] as? [String: Any])?["abandonRate"] as? Double == 0.02)
        #expect(report.csv.contains("connect,abandonRateLast30Days,0.0200"))

        // The chart: one column per day, red where the 30-day rate is over 3 %, and the 3 % line.
        let html = report.html
        let chart = try #require(html.range(of: "<svg xmlns=\"http://www.w3.org/2000/svg\"", options: .backwards).map { html[$0.lowerBound...] })
        #expect(chart.contains("class=\"abandonment\""))
        #expect(chart.components(separatedBy: "<rect").count - 1 == 3)
        #expect(chart.components(separatedBy: "fill=\"#c0392b\"").count - 1 == 1)
        #expect(chart.contains("<title>2026-10-11: 10.0% over 30 days (5 of 50 that day)</title>"))
        // The chart's top is 10 %, 160 px tall from y = 14: 3 % is 48 px above the bottom (174).
        #expect(chart.contains("<line class=\"limit\" x1=\"44\" y1=\"126\""))
        #expect(chart.contains(">3.0%</text>"))
        #expect(html.contains("<div class=\"label\">Abandonment rate</div><div class=\"value\">4.0%</div>"))
    }

    @Test func aCampaignThatConnectsNobodyHasNoAbandonmentSection() {
        let report = CampaignReport(campaignID: "plain", name: nil, records: [], generatedAt: Self.now)
        #expect(report.abandonment == nil)
        #expect(!report.html.contains("Abandoned calls"))
        #expect(report.json.hasSuffix(",\"connect\":null}"))
    }
}
