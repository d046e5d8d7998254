import Testing
@testable import Scheduler

@Suite struct TargetSeenSetTests {
    private func numbers(_ range: Range<Int>) -> [String] { range.map { "+1555\(1_000_000 + $0)" } }

    @Test func repeatsAreFoundWhetherTheFirstSightingIsWrittenOrStillPending() throws {
        let seen = try TargetSeenSet()
        // 300 = two batches written to the database and 44 still pending.
        #expect(try numbers(0..<300).map { try seen.insert($0) }.allSatisfy { $0 == .new })
        #expect(try numbers(0..<300).reversed().map { try seen.insert($0) }.allSatisfy { $0 == .duplicate })
        #expect(try seen.insert("sip:alice@example.com") == .new)
        #expect(try seen.insert("sip:alice@example.com") == .duplicate)
    }

    @Test func aCampaignsTargetsCountOnceAsPresentThenAsRepeats() throws {
        let directory = try TestDirectory()
        let store = try QueueStore(dataDirectory: directory.path)
        let spec = CampaignSpec(id: "spring", sourceFile: "spring.csv", settings: CampaignSettings(),
                                contacts: numbers(0..<200).enumerated().map { ContactSpec(target: $1, line: $0 + 2) },
                                duplicateCount: 0, contentHash: "h1")
        _ = try store.importCampaign(spec)
        let seen = try TargetSeenSet(seedingFrom: store.path, campaignKey: try #require(try store.campaignKey(of: "spring")))
        let first = try numbers(100..<400).map { try seen.insert($0) }
        #expect(first.prefix(100).allSatisfy { $0 == .alreadyInCampaign })
        #expect(first.dropFirst(100).allSatisfy { $0 == .new })
        #expect(try numbers(0..<400).map { try seen.insert($0) } == Array(repeating: .alreadyInCampaign, count: 100) + Array(repeating: .duplicate, count: 300))
    }
}
