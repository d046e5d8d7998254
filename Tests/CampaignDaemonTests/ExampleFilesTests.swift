import Foundation
import Scheduler
import Testing
@testable import CampaignDaemon

/// The files we ship as examples must keep working.
@Suite struct ExampleFilesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test func exampleConfigurationLoads() throws {
        let configuration = try Configuration(path: Self.root + "/deploy/campaignd.example.json")
        #expect(configuration.trunks.map(\.name) == ["carrier"])
        #expect(configuration.trunks.first?.password == "change-me")
        #expect(configuration.defaultSettings.defaultCountryCode == "1")
        #expect(configuration.dataDirectory == "/var/lib/campaignd/var")
        #expect(configuration.dialoutAllowedCallers.count == 2)
        #expect(configuration.limits.drainTimeoutSec == 30)
        #expect(configuration.limits.minFreeDiskMB == 16)
        #expect(configuration.limits.onDiskFull == .pause)
        #expect(configuration.sip.port == 5060)
        #expect(configuration.sip.rtpPortMax == 29999)
        #expect(configuration.runtime.threads == 2)
        #expect(configuration.runtime.realtimePriority == 10)
        #expect(configuration.media.inactivityTimeoutSec == 30)
        #expect(configuration.notifications.retryForSec == 86_400)
        #expect(configuration.notifications.maxRetryNo == nil)
        #expect(configuration.api.listen == "127.0.0.1:8080")
        #expect(configuration.api.keys.map(\.name) == ["crm", "dashboard"])
        #expect(configuration.api.keys.last?.scopes == [.read])
    }

    @Test(arguments: ["example.csv", "example.json"])
    func exampleCampaignsValidate(file: String) throws {
        var configuration = try Configuration(path: Self.root + "/deploy/campaignd.example.json")
        configuration.campaignsDirectory = Self.root + "/campaigns"
        let spec = try CampaignLoader(context: configuration.validationContext).load(path: Self.root + "/campaigns/" + file)
        #expect(!spec.contacts.isEmpty)
    }
}
