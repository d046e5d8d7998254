import Foundation
import Testing
@testable import Scheduler

/// Repeated targets are found by sorting once: which row of a target is kept, what is counted as a
/// repeat or as a target the campaign had, whatever order the rows come in.
@Suite struct RepeatFinderTests {
    /// 0..<count in an order far from sorted (a permutation: 7,919 is coprime with the counts used).
    private func shuffled(_ count: Int) -> [Int] { (0..<count).map { $0 * 7_919 % count } }

    @Test func repeatsAreCountedWhateverTheOrder() throws {
        let finder = try RepeatFinder()
        // 1,000 distinct targets (several inserts of 128 and a tail), then 300 of them again, shuffled.
        for number in shuffled(1_000) { try finder.append("+1555\(1_000_000 + number)") }
        for number in shuffled(300) { try finder.append("+1555\(1_000_000 + number * 3)") }
        try finder.append("sip:alice@example.com")
        try finder.append("sip:alice@example.com")
        #expect(try finder.repeatCount() == 301)
    }

    @Test func validationCountsContactsAndRepeats() throws {
        let directory = try TestDirectory()
        let rows = shuffled(500).map { "+1555\(1_000_000 + $0)" } + shuffled(500).prefix(40).map { "+1555\(1_000_000 + $0)" }
        let path = try directory.write("campaigns/v.csv", "target\n" + rows.joined(separator: "\n") + "\n")
        let validator = CampaignValidator(loader: CampaignLoader(context: CampaignValidationContext(campaignsDirectory: directory.path + "/campaigns")))
        let summary = try validator.validateFile(at: path).get()
        #expect(summary.contactCount == 500)
        #expect(summary.duplicateCount == 40)
    }

    @Test func theFirstRowOfATargetIsKeptAndTheCampaignsTargetsAreNotAddedAgain() throws {
        let directory = try TestDirectory()
        let context = CampaignValidationContext(campaignsDirectory: directory.path + "/campaigns")
        let importer = CampaignImporter(loader: CampaignLoader(context: context), store: try QueueStore(dataDirectory: directory.path + "/var"))
        importer.store.importChunkRows = 7
        let store = importer.store
        try store.addToDNC(["+15550000004"], source: "test")
        // Targets out of order; each repeat carries a different note. 4 is on the DNC list twice.
        let first = try directory.write("campaigns/spring.csv", """
            target,note
            +15550000009,a
            +15550000003,b
            +15550000009,c
            +15550000004,d
            +15550000001,e
            +15550000003,f
            +15550000004,g
            +15550000003,h

            """)
        guard case .imported(let one) = try importer.importFile(at: first) else { throw TestFailure("not imported") }
        #expect(one.contactsAdded == 4)
        #expect(one.duplicatesInFile == 4)
        #expect(one.contactsAlreadyPresent == 0)
        #expect(one.skippedDNC == 1)
        let kept = try store.connection.prepare("SELECT target, metadata, source_line, state FROM contacts ORDER BY id")
        var rows: [String] = []
        while try kept.step() { rows.append("\(kept.text(0) ?? "") \(kept.text(1) ?? "") \(kept.int(2)) \(kept.text(3) ?? "")") }
        kept.reset()
        #expect(rows == [
            #"+15550000009 {"note":"a"} 2 pending"#, #"+15550000003 {"note":"b"} 3 pending"#,
            #"+15550000004 {"note":"d"} 5 skipped"#, #"+15550000001 {"note":"e"} 6 pending"#,
        ])
        // A second file: 3 and 9 the campaign has (counted once each), 3 repeated, 7 and 8 new.
        try directory.write("campaigns/spring.csv", "target\n+15550000008\n+15550000003\n+15550000009\n+15550000003\n+15550000007\n")
        guard case .imported(let two) = try importer.importFile(at: first) else { throw TestFailure("not imported") }
        #expect(two.contactsAdded == 2)
        #expect(two.contactsAlreadyPresent == 2)
        #expect(two.duplicatesInFile == 1)
        #expect(try store.connection.scalarText("SELECT COUNT(*) FROM contacts") == "6")
        #expect(try store.connection.scalarText("SELECT COUNT(DISTINCT target) FROM contacts") == "6")
        #expect(try store.connection.scalarText("SELECT contacts_added FROM imported_files ORDER BY id DESC LIMIT 1") == "2")
    }
}
