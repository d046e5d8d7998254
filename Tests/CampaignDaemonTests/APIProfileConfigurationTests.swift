import Foundation
import Testing

/// `api.profiles` is checked like a campaign's settings: every problem with its line and path.
@Suite struct APIProfileConfigurationTests {
    @Test func eachBadProfileSettingIsNamedWithItsPath() async throws {
        let directory = try Workspace()
        try directory.write("campaignd.json", """
            {"trunks": [{"name": "sipp", "host": "127.0.0.1", "port": 5099}],
             "api": {"listen": "127.0.0.1:0", "keys": [{"name": "dialer", "secret": "dialer-secret-0123456789", "scopes": ["calls"]}],
               "profiles": {"Bot1": {"trunk": "nope", "dialoutMaxConcurrentCalls": 500, "dialoutAllowedCallers": ["+1"],
                                     "answerTimeoutSec": "x", "colour": 1},
                            "api": {}, "bad name!": {}}}}
            """)
        let result = try await CampaigndProcess.run(["status"], in: directory.path)
        #expect(result.exitCode == 3, "\(result.stdout)\(result.stderr)")
        for expected in [
            #"campaignd.json:4: api.profiles.Bot1.colour: unknown setting "colour""#,
            "campaignd.json:3: api.profiles.Bot1.dialoutMaxConcurrentCalls: 500 is out of range; expected 0 to 300",
            #"campaignd.json:3: api.profiles.Bot1.dialoutAllowedCallers[0]: caller "+1" is not an E.164 number"#,
            #"campaignd.json:3: api.profiles.Bot1.trunk: trunk "nope" is not configured; configured trunks: sipp"#,
            "campaignd.json:4: api.profiles.Bot1.answerTimeoutSec: expected a whole number from 1 to 300 but found a string",
            #"campaignd.json:5: api.profiles.api: "api" is the built-in campaign of POST /v1/calls"#,
            #"api.profiles.bad name!: profile name "bad name!" cannot name its campaign"#,
        ] {
            #expect(result.stderr.contains(expected), "missing \(expected) in:\n\(result.stderr)")
        }
    }
}
