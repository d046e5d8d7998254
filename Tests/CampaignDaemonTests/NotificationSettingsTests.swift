import Foundation
import Scheduler
import Testing
@testable import CampaignDaemon

/// `notifications` in campaignd.json: how long a failing webhook is kept, and the optional retry cap.
@Suite struct NotificationSettingsTests {
    func load(_ text: String) throws(ValidationFailure) -> Configuration {
        let directory = NSTemporaryDirectory() + "campaignd-notify-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = FileManager.default.createFile(atPath: directory + "/campaignd.json", contents: Data(text.utf8))
        return try Configuration(path: directory + "/campaignd.json")
    }

    @Test func webhooksAreKeptADayWithNoRetryCapUnlessConfigured() throws {
        let defaults = try load("{}").notifications
        #expect(defaults.retryForSec == 86_400)
        #expect(defaults.maxRetryNo == nil)
        let set = try load(#"{"notifications": {"retryForSec": 7200, "maxRetryNo": 5}}"#).notifications
        #expect(set.retryForSec == 7_200)
        #expect(set.maxRetryNo == 5)
    }

    @Test func retryForSecOutOfRangeIsAConfigurationError() {
        for (value, found) in [("59", "59 is out of range; expected 60 to 2592000"), ("2592001", "2592001 is out of range"),
                              ("\"1d\"", "expected a whole number from 60 to 2592000 but found a string")] {
            do {
                _ = try load("{\"notifications\": {\"retryForSec\": \(value)}}")
                Issue.record("retryForSec \(value) was accepted")
            } catch {
                let message = "\(error)"
                #expect(message.contains("campaignd.json:1: notifications.retryForSec:"), "\(message)")
                #expect(message.contains(found), "\(message)")
            }
        }
        #expect(throws: ValidationFailure.self) { try load(#"{"notifications": {"retryForSecs": 600}}"#) }
    }

    @Test func caFileIsRefusedWithWhatWorksInstead() {
        do {
            _ = try load(#"{"notifications": {"caFile": "/etc/campaignd/private-ca.crt"}}"#)
            Issue.record("caFile was accepted although nothing would use it")
        } catch {
            let message = "\(error)"
            #expect(message.contains("campaignd.json:1: notifications.caFile:"), "\(message)")
            #expect(message.contains("update-ca-certificates") && message.contains("BindReadOnlyPaths"), "\(message)")
        }
    }
}
