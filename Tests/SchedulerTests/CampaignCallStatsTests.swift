import Foundation
import Telephony
import Testing
@testable import Scheduler

/// `QueueStore.campaignCallStats`: what `GET /v1/campaigns` reports of each campaign's calls, from
/// attempts a real dispatcher wrote to a store in a temp directory.
@Suite struct CampaignCallStatsTests {
    func importCampaign(_ data: String, id: String, targets: [String], configure: (inout CampaignSettings) -> Void = { _ in }) throws {
        var settings = CampaignSettings()
        settings.dialoutLimitPerSecond = 1000
        settings.maxConcurrentCalls = 0
        settings.maxRetryNo = 0
        settings.window.start = 0
        settings.window.end = 24 * 60
        configure(&settings)
        _ = try QueueStore(dataDirectory: data).importCampaign(CampaignSpec(
            id: id, sourceFile: id + ".json", settings: settings,
            contacts: targets.enumerated().map { ContactSpec(target: $0.element, line: $0.offset + 2) }, duplicateCount: 0, contentHash: id))
    }

    @Test func answeredVerdictsAndAbandonmentAreCountedPerCampaign() async throws {
        let directory = try TestDirectory()
        let data = directory.path + "/var"
        // sales: three people answer (AMD: human), two are put through to the bot, one abandoned.
        try importCampaign(data, id: "sales", targets: ["+15551230001", "+15551230002", "+15551230003"]) { settings in
            settings.onHuman = PromptSettings(connect: ConnectSettings(target: "sip:bot@10.0.0.5:5080"))
        }
        try await dispatchOnce(data, ConnectingDialer(abandoning: ["+15551230002"]))
        // cold: two calls, both busy.
        try importCampaign(data, id: "cold", targets: ["+15551230010", "+15551230011"])
        try await dispatchOnce(data, ScriptedDialer(script: ["+15551230010": [ScriptedDialer.busy], "+15551230011": [ScriptedDialer.busy]]))
        try importCampaign(data, id: "idle", targets: ["+15551230020"])  // imported after the last dispatch

        let stats = try QueueStore(dataDirectory: data).campaignCallStats(now: Timestamp.nowMs())
        let sales = try #require(stats["sales"], "\(stats)")
        #expect(sales.finished == 3 && sales.answered == 3 && sales.answerRate == 1)
        #expect(sales.startedLastMinute == 3)
        #expect(sales.amd == [.humanDetected: 3], "\(sales.amd)")
        #expect(sales.abandonment == AbandonmentStats(people: 3, abandoned: 1, peopleLast30Days: 3, abandonedLast30Days: 1))
        let cold = try #require(stats["cold"], "\(stats)")
        #expect(cold.finished == 2 && cold.answered == 0 && cold.answerRate == 0 && cold.amd.isEmpty)
        #expect(cold.abandonment == AbandonmentStats())
        #expect(stats["idle"] == nil, "a campaign that has not dialed has no stats")

        let later = try QueueStore(dataDirectory: data).campaignCallStats(now: Timestamp.nowMs() + 120_000)
        #expect(later["sales"]?.startedLastMinute == 0 && later["sales"]?.finished == 3, "perMinute counts only the last 60 s")
    }
}
