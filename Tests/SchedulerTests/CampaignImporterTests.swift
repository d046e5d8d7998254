import Foundation
import Testing
@testable import Scheduler

@Suite struct CampaignImporterTests {
    private func importer(_ directory: TestDirectory, defaults: String? = nil) throws -> CampaignImporter {
        let defaultsNode = try defaults.map { try JSONParser.parse(Array($0.utf8), file: "campaignd.json") }
        let context = CampaignValidationContext(campaignsDirectory: directory.path + "/campaigns", defaults: defaultsNode)
        return CampaignImporter(loader: CampaignLoader(context: context), store: try QueueStore(dataDirectory: directory.path + "/var"))
    }

    private func rows(_ store: QueueStore, _ sql: String) throws -> [[String]] {
        let statement = try store.connection.prepare(sql)
        var out: [[String]] = []
        while try statement.step() { out.append((0..<3).map { statement.text(Int32($0)) ?? "NULL" }) }
        return out
    }

    @Test(arguments: [1, 63, 64, 65, 64 * 3 + 5, 20_000])
    func importsEveryRowWhateverTheChunking(count: Int) throws {
        let directory = try TestDirectory()
        var csv = "target,timezone,caller,note\n"
        for row in 0..<count {
            // Every fourth row has no zone and an empty note; odd rows name a caller.
            let zone = row % 4 == 0 ? "" : "Europe/Paris"
            csv += String(format: "+3315550%05d,%@,%@,%@\n", row, zone, row % 2 == 1 ? "+15550001111" : "", row % 4 == 0 ? "" : "n\(row)")
        }
        let path = try directory.write("campaigns/chunks.csv", csv)
        let importer = try importer(directory)
        guard case .imported(let result) = try importer.importFile(at: path) else {
            Issue.record("not imported")
            return
        }
        #expect(result.contactsAdded == count)
        let store = importer.store
        #expect(try store.connection.scalarText("SELECT COUNT(*) FROM contacts") == String(count))
        #expect(try store.connection.scalarText("SELECT COUNT(*) FROM contacts WHERE timezone IS NULL") == String((count + 3) / 4))
        #expect(try store.connection.scalarText("SELECT COUNT(*) FROM contacts WHERE caller = '+15550001111'") == String(count / 2))
        let last = try rows(store, "SELECT target, metadata, source_line FROM contacts ORDER BY id DESC LIMIT 1")
        let lastRow = count - 1
        #expect(last == [[String(format: "+3315550%05d", lastRow), lastRow % 4 == 0 ? "{}" : "{\"note\":\"n\(lastRow)\"}", String(count + 1)]])
    }

    @Test func badRowNearTheEndImportsNothing() throws {
        let directory = try TestDirectory()
        var csv = "target\n"
        for row in 0..<50_000 { csv += row == 49_990 ? "+1555\n" : String(format: "+1555%07d\n", row) }
        let path = try directory.write("campaigns/late.csv", csv)
        let importer = try importer(directory)
        guard case .invalid(let failure) = try importer.importFile(at: path) else {
            Issue.record("an invalid file was imported")
            return
        }
        #expect(failure.diagnostics.map(\.description) == ["late.csv:49992: target \"+1555\" is not a phone number or SIP URI"])
        #expect(try importer.store.campaignStatuses().isEmpty)
        #expect(try importer.store.connection.scalarText("SELECT COUNT(*) FROM contacts") == "0")
        #expect(try importer.store.connection.scalarText("SELECT COUNT(*) FROM imported_files") == "0")
    }

    @Test func settingsAndRowProblemsAreReportedTogether() throws {
        let directory = try TestDirectory()
        try directory.write("campaigns/lists/l.csv", "target\n+15551230001\nnope\n")
        let path = try directory.write("campaigns/both.json", #"{"maxRetryNo": -1, "contactsFile": "l.csv"}"#)
        guard case .invalid(let failure) = try importer(directory).importFile(at: path) else {
            Issue.record("an invalid file was imported")
            return
        }
        #expect(failure.diagnostics.map(\.description) == [
            "both.json:1: maxRetryNo: -1 is out of range; expected 0 to 100",
            "lists/l.csv:3: target \"nope\" is not a phone number or SIP URI",
        ])
    }

    @Test func sameContentTwiceRollsTheSecondBack() throws {
        let directory = try TestDirectory()
        let path = try directory.write("campaigns/twice.csv", "target,n\n+15551230001,a\n+15551230002,b\n")
        let importer = try importer(directory)
        guard case .imported(let first) = try importer.importFile(at: path) else { Issue.record("not imported"); return }
        #expect(first.contactsAdded == 2)
        #expect(first.alreadyImportedAt == nil)
        guard case .imported(let second) = try importer.importFile(at: path) else { Issue.record("not imported"); return }
        #expect(second.alreadyImportedAt != nil)
        #expect(second.contactsAdded == 0)
        #expect(try importer.store.connection.scalarText("SELECT COUNT(*) FROM imported_files") == "1")
        #expect(try importer.store.connection.scalarText("SELECT COUNT(*) FROM contacts") == "2")
        // A changed file adds only the new target and keeps one import record per content.
        try directory.write("campaigns/twice.csv", "target,n\n+15551230001,a\n+15551230003,c\n")
        guard case .imported(let third) = try importer.importFile(at: path) else { Issue.record("not imported"); return }
        #expect(third.contactsAdded == 1)
        #expect(third.contactsAlreadyPresent == 1)
        #expect(try importer.store.connection.scalarText("SELECT COUNT(DISTINCT sha256) FROM imported_files") == "2")
    }

    @Test func repeatsInTheFileAndTargetsTheCampaignHasAreCountedApart() throws {
        let directory = try TestDirectory()
        let importer = try importer(directory)
        let path = try directory.write("campaigns/rep.csv", "target\n+15551230001\n+15551230002\n+1 (555) 123-0001\n+15551230001\n")
        guard case .imported(let first) = try importer.importFile(at: path) else { Issue.record("not imported"); return }
        #expect(first.contactsAdded == 2)
        #expect(first.duplicatesInFile == 2)
        #expect(first.contactsAlreadyPresent == 0)
        // A target the campaign has counts once as present; its repeats in the file are repeats.
        try directory.write("campaigns/rep.csv", "target\n+15551230002\n+15551230003\n+15551230002\n+15551230003\n+15551230004\n")
        guard case .imported(let second) = try importer.importFile(at: path) else { Issue.record("not imported"); return }
        #expect(second.contactsAdded == 2)
        #expect(second.contactsAlreadyPresent == 1)
        #expect(second.duplicatesInFile == 2)
        // Inline JSON contacts are counted the same way.
        let json = try directory.write("campaigns/inline.json", #"""
            {"contacts": [{"target": "+15551230001"}, {"target": "+15551230001"}, {"target": "+15551230009"}]}
            """#)
        guard case .imported(let inline) = try importer.importFile(at: json) else { Issue.record("not imported"); return }
        #expect(inline.contactsAdded == 2)
        #expect(inline.duplicatesInFile == 1)
        #expect(try importer.store.connection.scalarText("SELECT COUNT(*) FROM contacts") == "6")
    }
}
