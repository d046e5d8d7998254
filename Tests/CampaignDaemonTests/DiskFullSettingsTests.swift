import Foundation
import Scheduler
import Testing
@testable import CampaignDaemon

/// `limits.minFreeDiskMB` and `limits.onDiskFull` in campaignd.json.
@Suite struct DiskFullSettingsTests {
    func load(_ text: String) throws(ValidationFailure) -> Configuration {
        let directory = NSTemporaryDirectory() + "campaignd-diskfull-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = FileManager.default.createFile(atPath: directory + "/campaignd.json", contents: Data(text.utf8))
        return try Configuration(path: directory + "/campaignd.json")
    }

    @Test func aFullDiskPausesDialingUnlessConfiguredToExit() throws {
        let defaults = try load("{}").limits
        #expect(defaults.onDiskFull == .pause)
        #expect(defaults.minFreeDiskMB == 16)
        let set = try load(#"{"limits": {"onDiskFull": "exit", "minFreeDiskMB": 0}}"#).limits
        #expect(set.onDiskFull == .exit)
        #expect(set.minFreeDiskMB == 0)
    }

    @Test func anUnknownActionIsAConfigurationErrorNamingTheChoices() {
        do {
            _ = try load(#"{"limits": {"onDiskFull": "stop"}}"#)
            Issue.record("onDiskFull \"stop\" was accepted")
        } catch {
            let message = "\(error)"
            #expect(message.contains("limits.onDiskFull"), "\(message)")
            #expect(message.contains(#""pause", "exit""#), "\(message)")
        }
    }
}
