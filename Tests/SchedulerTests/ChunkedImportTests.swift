import Foundation
import Testing
@testable import Scheduler

/// Imports commit in chunks: what another connection (the dispatcher's) sees between them, and
/// what a failure or a crash between them leaves.
@Suite struct ChunkedImportTests {
    private let directory: TestDirectory
    private let importer: CampaignImporter
    private var data: String { directory.path + "/var" }

    init() throws {
        directory = try TestDirectory()
        let context = CampaignValidationContext(campaignsDirectory: directory.path + "/campaigns")
        importer = CampaignImporter(loader: CampaignLoader(context: context), store: try QueueStore(dataDirectory: directory.path + "/var"))
        importer.store.importChunkRows = 100
    }

    private func csv(_ name: String, _ numbers: Range<Int>) throws -> String {
        try directory.write("campaigns/\(name).csv", "target\n" + numbers.map { String(format: "+1555%07d\n", $0) }.joined())
    }

    @discardableResult
    private func importFile(_ path: String) throws -> ImportResult {
        guard case .imported(let result) = try importer.importFile(at: path) else { throw TestFailure("not imported") }
        return result
    }

    private func claimAll(_ store: QueueStore, _ campaign: DispatchCampaign) throws -> [String] {
        try store.claimBatch(campaign: campaign, trunk: nil, now: Timestamp.nowMs(), after: 0, limit: 10_000) { _, _, _ in .call(nil) }
            .claimed.map(\.target)
    }

    private func count(_ store: QueueStore, _ sql: String) throws -> Int {
        Int(try store.connection.scalarText(sql) ?? "") ?? -1
    }

    @Test func anotherConnectionClaimsBetweenChunksAndSeesNothingOfTheImport() throws {
        try importFile(try csv("early", 0..<3))
        let path = try csv("big", 1000..<2000)
        let dispatcher = try QueueStore(dataDirectory: data)
        var chunks = 0
        var claimedDuringImport: [String] = []
        var campaignsDuringImport: [String] = []
        var statusDuringImport: [String] = []
        importer.store.afterImportChunk = {
            chunks += 1
            guard chunks == 2 else { return }
            // The write lock is free: a claim goes through at once, and the new campaign is not there.
            let campaigns = try dispatcher.activeCampaigns()
            campaignsDuringImport = campaigns.map(\.id)
            for campaign in campaigns { claimedDuringImport += try claimAll(dispatcher, campaign) }
            statusDuringImport = try dispatcher.campaignStatuses().map(\.id)
        }
        let result = try importFile(path)
        #expect(chunks == 10)
        #expect(result.contactsAdded == 1000)
        #expect(campaignsDuringImport == ["early"])
        #expect(claimedDuringImport == ["+15550000000", "+15550000001", "+15550000002"])
        #expect(statusDuringImport == ["early"])
        // Once the last chunk is in, the campaign is there with every contact.
        let big = try #require(try dispatcher.activeCampaigns().first { $0.id == "big" })
        #expect(try claimAll(dispatcher, big).count == 1000)
    }

    @Test func aNewFileOfARunningCampaignIsNotDialedUntilItIsAllIn() throws {
        try importFile(try csv("spring", 0..<3))
        let path = try csv("spring", 0..<503)
        let dispatcher = try QueueStore(dataDirectory: data)
        var claimedDuringImport: [String] = []
        var waitingDuringImport = -1
        importer.store.afterImportChunk = {
            guard claimedDuringImport.isEmpty else { return }
            let spring = try #require(try dispatcher.activeCampaigns().first)
            claimedDuringImport = try claimAll(dispatcher, spring)
            waitingDuringImport = try dispatcher.waitingContacts()
        }
        let result = try importFile(path)
        #expect(result.contactsAdded == 500)
        #expect(result.contactsAlreadyPresent == 3)
        // Only the contacts of the first file were dialable while the second was being imported.
        #expect(claimedDuringImport == ["+15550000000", "+15550000001", "+15550000002"])
        #expect(waitingDuringImport == 3)
        let spring = try #require(try dispatcher.activeCampaigns().first)
        #expect(try claimAll(dispatcher, spring).count == 500)
    }

    @Test func aFailureBetweenChunksLeavesNothingBehind() throws {
        try importFile(try csv("spring", 0..<3))
        try directory.write("campaigns/lists/more.csv", "target\n" + (0..<1000).map { String(format: "+1666%07d\n", $0) }.joined())
        let path = try directory.write("campaigns/spring.json", #"{"id": "spring", "name": "changed", "contactsFile": "more.csv"}"#)
        var chunks = 0
        importer.store.afterImportChunk = {
            chunks += 1
            if chunks == 3 { throw TestFailure("disk gone") }
        }
        #expect(throws: TestFailure.self) { try importer.importFile(at: path) }
        let store = importer.store
        #expect(try count(store, "SELECT COUNT(*) FROM contacts") == 3)
        #expect(try count(store, "SELECT COUNT(*) FROM imported_files") == 1)
        #expect(try store.settings(of: "spring").name == nil)
        // The same file imports whole afterwards.
        importer.store.afterImportChunk = nil
        #expect(try importFile(path).contactsAdded == 1000)
        #expect(try store.settings(of: "spring").name == "changed")
    }

    @Test func aCrashBetweenChunksLeavesNothingDialableAndTheNextStartRemovesIt() throws {
        try importFile(try csv("early", 0..<3))
        let path = try csv("big", 1000..<2000)
        let crashed = directory.path + "/crashed"
        try FileManager.default.createDirectory(atPath: crashed, withIntermediateDirectories: true)
        var chunks = 0
        importer.store.afterImportChunk = {
            chunks += 1
            guard chunks == 4 else { return }
            // The database as a crash now would leave it: the committed chunks, nothing after.
            for suffix in ["", "-wal"] {
                try FileManager.default.copyItem(atPath: data + "/campaignd.db" + suffix, toPath: crashed + "/campaignd.db" + suffix)
            }
        }
        try importFile(path)

        let restarted = try QueueStore(dataDirectory: crashed)
        #expect(try count(restarted, "SELECT COUNT(*) FROM contacts") == 403)
        #expect(try restarted.activeCampaigns().map(\.id) == ["early"])
        #expect(try restarted.campaignStatuses().map(\.id) == ["early"])
        #expect(try restarted.waitingContacts() == 3)
        let early = try #require(try restarted.activeCampaigns().first)
        #expect(try claimAll(restarted, early).count == 3)
        #expect(try restarted.nextRetryTime() == nil)

        #expect(try restarted.removeAbandonedImports() == 1)
        #expect(try count(restarted, "SELECT COUNT(*) FROM contacts") == 3)
        #expect(try count(restarted, "SELECT COUNT(*) FROM imported_files") == 1)
        #expect(try count(restarted, "SELECT COUNT(*) FROM campaigns") == 1)
        let again = CampaignImporter(loader: importer.loader, store: restarted)
        guard case .imported(let result) = try again.importFile(at: path) else { throw TestFailure("not imported") }
        #expect(result.contactsAdded == 1000)
        #expect(result.campaignCreated)
    }

    @Test func theNextImportRemovesWhatACrashLeft() throws {
        let path = try csv("big", 1000..<1500)
        let crashed = directory.path + "/crashed"
        try FileManager.default.createDirectory(atPath: crashed, withIntermediateDirectories: true)
        var copied = false
        importer.store.afterImportChunk = {
            guard !copied else { return }
            copied = true
            for suffix in ["", "-wal"] {
                try FileManager.default.copyItem(atPath: data + "/campaignd.db" + suffix, toPath: crashed + "/campaignd.db" + suffix)
            }
        }
        try importFile(path)
        let restarted = try QueueStore(dataDirectory: crashed)
        #expect(try count(restarted, "SELECT COUNT(*) FROM contacts") == 100)
        let other = try directory.write("campaigns/other.csv", "target\n+15551230001\n")
        let again = CampaignImporter(loader: importer.loader, store: restarted)
        guard case .imported = try again.importFile(at: other) else { throw TestFailure("not imported") }
        #expect(try count(restarted, "SELECT COUNT(*) FROM contacts") == 1)
        #expect(try restarted.campaignStatuses().map(\.id) == ["other"])
    }

    @Test func aSmallFileImportedInAGapIsDialableBeforeTheBigOneIsIn() throws {
        let big = try csv("big", 1000..<2000)
        let small = try csv("small", 0..<5)
        let dispatcher = try QueueStore(dataDirectory: data)
        var gaps = 0
        var campaignsAfterSmall: [String] = []
        var claimedAfterSmall: [String] = []
        let result = try importer.importFile(at: big) { gap in
            gaps += 1
            guard gaps == 2 else { return }
            #expect(gap.importing == "big")
            guard case .imported(let ahead) = try gap.importAhead(at: small) else { throw TestFailure("small not imported") }
            #expect(ahead.contactsAdded == 5)
            // The small campaign can be dialed now; nothing of the big one is visible yet.
            let campaigns = try dispatcher.activeCampaigns()
            campaignsAfterSmall = campaigns.map(\.id)
            for campaign in campaigns { claimedAfterSmall += try claimAll(dispatcher, campaign) }
        }
        guard case .imported(let bigResult) = result else { throw TestFailure("big not imported") }
        #expect(bigResult.contactsAdded == 1000)
        #expect(gaps == 10)
        #expect(campaignsAfterSmall == ["small"])
        #expect(claimedAfterSmall == (0..<5).map { String(format: "+1555%07d", $0) })
        let bigCampaign = try #require(try dispatcher.activeCampaigns().first { $0.id == "big" })
        #expect(try claimAll(dispatcher, bigCampaign).count == 1000)
        #expect(try count(dispatcher, "SELECT COUNT(*) FROM imported_files WHERE sha256 != ''") == 2)
        #expect(try count(dispatcher, "SELECT COUNT(*) FROM contacts") == 1005)
    }

    @Test func aFileOfTheCampaignBeingImportedWaitsForIt() throws {
        let big = try csv("big", 1000..<1300)
        let same = try directory.write("later/big.csv", "target\n+15559990001\n")
        var answers: [String] = []
        let outcome = try importer.importFile(at: big) { gap in
            answers.append(try gap.importAhead(at: same) == nil ? "waits" : "imported")
        }
        guard case .imported = outcome else { throw TestFailure("not imported") }
        #expect(answers == ["waits", "waits", "waits"])
        #expect(try count(importer.store, "SELECT COUNT(*) FROM contacts WHERE target = '+15559990001'") == 0)
    }

    @Test func aCrashWhileAFileIsImportedAheadLeavesNeitherDialable() throws {
        try importFile(try csv("early", 0..<3))
        let big = try csv("big", 1000..<2000)
        let small = try csv("small", 3000..<3250)
        let crashed = directory.path + "/crashed"
        try FileManager.default.createDirectory(atPath: crashed, withIntermediateDirectories: true)
        var inGap = false, copied = false
        importer.store.afterImportChunk = {
            // After the small file's second chunk: both imports are half done.
            let smallRows = "SELECT COUNT(*) FROM contacts WHERE target BETWEEN '+15550003000' AND '+15550003999'"
            guard inGap, !copied, try self.count(self.importer.store, smallRows) == 200 else { return }
            copied = true
            for suffix in ["", "-wal"] {
                try FileManager.default.copyItem(atPath: self.data + "/campaignd.db" + suffix, toPath: crashed + "/campaignd.db" + suffix)
            }
        }
        _ = try importer.importFile(at: big) { gap in
            guard !inGap else { return }
            inGap = true
            _ = try gap.importAhead(at: small)
        }
        #expect(copied)
        let restarted = try QueueStore(dataDirectory: crashed)
        #expect(try restarted.activeCampaigns().map(\.id) == ["early"])
        #expect(try restarted.waitingContacts() == 3)
        #expect(try restarted.removeAbandonedImports() == 2)
        #expect(try count(restarted, "SELECT COUNT(*) FROM contacts") == 3)
        #expect(try count(restarted, "SELECT COUNT(*) FROM campaigns") == 1)
        // Both files import whole afterwards.
        let again = CampaignImporter(loader: importer.loader, store: restarted)
        for (path, added) in [(small, 250), (big, 1000)] {
            guard case .imported(let result) = try again.importFile(at: path) else { throw TestFailure("not imported") }
            #expect(result.contactsAdded == added)
        }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
