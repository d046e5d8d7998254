import Foundation
import Testing
@testable import Scheduler

/// What the dispatcher reads of the queue without reading every contact.
@Suite struct QueuedContactsTests {
    let directory: TestDirectory
    let store: QueueStore

    init() throws {
        directory = try TestDirectory()
        store = try QueueStore(dataDirectory: directory.path + "/var")
    }

    func spec(_ id: String, _ targets: [String]) -> CampaignSpec {
        CampaignSpec(id: id, sourceFile: id + ".csv", settings: CampaignSettings(),
                     contacts: targets.enumerated().map { ContactSpec(target: $0.element, line: $0.offset + 2) },
                     duplicateCount: 0, contentHash: id + targets.joined())
    }

    @Test func theClaimLooksForPendingContactsInTheIndexNotAmongEveryContact() throws {
        _ = try store.importCampaign(spec("spring", ["+15551230001"]))
        let plan = try store.connection.prepare("EXPLAIN QUERY PLAN " + QueueStore.nextPendingContact)
        var steps: [String] = []
        while try plan.step() { steps.append(plan.text(3) ?? "") }
        #expect(steps.first == "SEARCH contacts USING INDEX contacts_pending (campaign_key=? AND id>?)", "\(steps)")
    }
}
