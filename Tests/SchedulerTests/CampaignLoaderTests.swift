import Foundation
import Testing
@testable import Scheduler

/// A campaigns folder in a temp directory and a loader over it.
struct LoaderFixture {
    let directory: TestDirectory
    var context: CampaignValidationContext

    init(defaults: String? = nil, allowedCallers: [String] = []) throws {
        directory = try TestDirectory()
        try FileManager.default.createDirectory(atPath: directory.path + "/campaigns/prompts", withIntermediateDirectories: true)
        let defaultsNode = try defaults.map { try JSONParser.parse(Array($0.utf8), file: "campaignd.json") }
        context = CampaignValidationContext(
            campaignsDirectory: directory.path + "/campaigns", trunkNames: ["carrier", "backup"],
            dialoutAllowedCallers: allowedCallers, defaults: defaultsNode)
    }

    func write(_ name: String, _ text: String) throws -> String {
        try directory.write("campaigns/" + name, text)
    }

    func load(_ name: String, _ text: String) throws -> CampaignSpec {
        try CampaignLoader(context: context).load(path: try write(name, text))
    }

    /// The rendered diagnostics of loading `text` as `name`; records an issue if it loads.
    func problems(_ name: String, _ text: String) throws -> [String] {
        do {
            _ = try load(name, text)
            Issue.record("\(name) was accepted")
            return []
        } catch let failure as ValidationFailure {
            return failure.diagnostics.map(\.description)
        }
    }
}

@Suite struct CSVCampaignTests {
    @Test func csvBecomesACampaignNamedAfterTheFile() throws {
        let fixture = try LoaderFixture(defaults: #"{"defaultCountryCode": "1", "answerTimeoutSec": 40}"#)
        let spec = try fixture.load("spring.csv", """
            Phone,name,timezone,caller,account
            +15551230001,Alice,America/New_York,+15550001111,A-1
            555-123-0002,"Bob, Jr.",,,A-2
            sip:carol@example.com,Carol,Europe/Paris,,
            (555) 123-0001,Alice again,,,
            """)
        #expect(spec.id == "spring")
        #expect(spec.settings.answerTimeoutSec == 40)
        #expect(spec.contacts.map(\.target) == ["+15551230001", "+15551230002", "sip:carol@example.com"])
        #expect(spec.contacts.map(\.line) == [2, 3, 4])
        #expect(spec.contacts[0].timezone == "America/New_York")
        #expect(spec.contacts[0].caller == "+15550001111")
        #expect(spec.contacts[1].timezone == nil)
        #expect(spec.contacts[0].metadata == #"{"name":"Alice","account":"A-1"}"#)
        #expect(spec.contacts[1].metadata == #"{"name":"Bob, Jr.","account":"A-2"}"#)
        #expect(spec.contacts[2].metadata == #"{"name":"Carol"}"#)
        #expect(spec.duplicateCount == 1)
    }

    @Test func contactsMayHaveTheirOwnWebhookURL() throws {
        let fixture = try LoaderFixture()
        let spec = try fixture.load("hooks.csv", """
            target,notifyUrl,name
            +15551230001,http://crm.example.com/hooks/1,Alice
            +15551230002,,Bob
            """)
        #expect(spec.contacts.map(\.notifyUrl) == ["http://crm.example.com/hooks/1", nil])
        #expect(spec.contacts[0].metadata == #"{"name":"Alice"}"#)
        #expect(try fixture.problems("bad.csv", "target,notifyurl\n+15551230001,ftp://x\n")
            == ["bad.csv:2: notifyUrl \"ftp://x\" is not an http:// or https:// URL"])
        let json = try fixture.load("hooks.json", #"{"contacts": [{"target": "+15551230001", "notifyUrl": "https://crm.example.com/h"}]}"#)
        #expect(json.contacts.first?.notifyUrl == "https://crm.example.com/h")
    }

    @Test(arguments: ["target", "TARGET", "phone", "To", "number"])
    func numberColumnAliases(header: String) throws {
        let spec = try LoaderFixture().load("a.csv", "\(header),x\n+15551230001,1\n")
        #expect(spec.contacts.map(\.target) == ["+15551230001"])
    }

    @Test func bomAndCRLFFromSpreadsheets() throws {
        let fixture = try LoaderFixture()
        let path = try fixture.directory.write(
            "campaigns/excel.csv", bytes: [0xEF, 0xBB, 0xBF] + Array("target,name\r\n+15551230001,\"Zoë\"\r\n".utf8))
        let spec = try CampaignLoader(context: fixture.context).load(path: path)
        #expect(spec.contacts.first?.metadata == #"{"name":"Zoë"}"#)
    }

    @Test func reportsEveryProblemWithFileAndLine() throws {
        let fixture = try LoaderFixture(defaults: #"{"defaultCountryCode": "1"}"#, allowedCallers: ["+15550001111"])
        let problems = try fixture.problems("spring.csv", """
            target,timezone,caller
            +15551230001,America/New_York,
            555-12,,
            +15551230003,Mars/Base,
            +15551230004,,+15559999999
            +15551230005,too,many,fields
            +15551230006
            +15551230007,"x"y,
            """)
        #expect(problems == [
            "spring.csv:3: target \"555-12\" is not a phone number or SIP URI",
            "spring.csv:4: timezone \"Mars/Base\" is not a known time zone; use an IANA name such as America/New_York",
            "spring.csv:5: caller \"+15559999999\" is not in dialoutAllowedCallers",
            "spring.csv:6: row has 4 fields but the header has 3",
            "spring.csv:7: row has 1 fields but the header has 3",
            "spring.csv:8: unexpected text after a closing quote; a quote inside a quoted field must be doubled (\"\")",
        ])
    }

    @Test func headerProblems() throws {
        let fixture = try LoaderFixture()
        #expect(try fixture.problems("a.csv", "name,phon\nx,+15551230001\n") == [
            "a.csv:1: no number column; the header needs a column named target, phone, to or number (is \"phon\" meant to be one?)",
        ])
        #expect(try fixture.problems("b.csv", "phone,to\n+15551230001,+15551230002\n") == [
            "b.csv:1: columns \"phone\" and \"to\" could each be the number to call; keep one of target, phone, to, number",
        ])
        #expect(try fixture.problems("c.csv", "target,name,Name\n+15551230001,a,b\n") == [
            "c.csv:1: column \"Name\" appears twice in the header",
        ])
        #expect(try fixture.problems("d.csv", "target,,x\n+15551230001,a,b\n") == ["d.csv:1: column 2 of the header has no name"])
    }

    @Test func emptyFilesAndWrongEncodings() throws {
        let fixture = try LoaderFixture()
        #expect(try fixture.problems("empty.csv", "") == [
            "empty.csv: file is empty; expected a header row such as \"target,name\" and one row per contact",
        ])
        #expect(try fixture.problems("blank.csv", "\n\r\n  \n") == [
            "blank.csv: file is empty; expected a header row such as \"target,name\" and one row per contact",
        ])
        #expect(try fixture.problems("header.csv", "target,name\n") == ["header.csv:1: file has a header but no contacts"])
        let latin1 = try fixture.directory.write("campaigns/latin1.csv", bytes: Array("target,name\n+15551230001,Caf".utf8) + [0xE9, 0x0A])
        #expect(throws: ValidationFailure.self) { try CampaignLoader(context: fixture.context).load(path: latin1) }
        let utf16 = try fixture.directory.write("campaigns/utf16.csv", bytes: [0xFF, 0xFE] + Array("t\0".utf8))
        do {
            _ = try CampaignLoader(context: fixture.context).load(path: utf16)
            Issue.record("UTF-16 accepted")
        } catch {
            #expect(error.diagnostics.first?.description.contains("UTF-16") == true)
        }
    }

    @Test func fileNameMustMakeAValidID() throws {
        #expect(try LoaderFixture().problems("spring sale!.csv", "target\n+15551230001\n") == [
            "spring sale!.csv: file name cannot be a campaign id: \"spring sale!\" is not a valid campaign id; use 1 to 64 letters, digits, '.', '_' or '-'; rename the file",
        ])
    }

    @Test func unsupportedExtensionAndMissingFile() throws {
        let fixture = try LoaderFixture()
        #expect(try fixture.problems("list.xlsx", "x") == ["list.xlsx: unsupported file type; campaign files end in .csv or .json"])
        #expect(throws: ValidationFailure.self) {
            try CampaignLoader(context: fixture.context).load(path: fixture.directory.path + "/nope.csv")
        }
    }
}

@Suite struct JSONCampaignTests {
    @Test func readsEverySetting() throws {
        let fixture = try LoaderFixture()
        try fixture.directory.write("campaigns/prompts/hello.wav", bytes: wav(sampleRate: 8000))
        let spec = try fixture.load("renewals.json", """
            {
              "id": "spring-2027", "name": "Spring", "trunk": "carrier",
              "caller": "+15550001111", "callerHost": "Dialer.Example.com", "callerDisplayName": "Acme",
              "dialoutLimitPerSecond": 0.5, "maxConcurrentCalls": 0, "answerTimeoutSec": 300,
              "maxCallDurationSec": 120, "maxRetryNo": 3, "retryIntervalSec": 60, "retryOn": ["busy", "busy", "error"],
              "window": {"days": ["sat-mon", "wed"], "start": "09:30", "end": "24:00", "timezone": "Europe/Berlin"},
              "machineDetection": "disconnect",
              "amd": {"thresholdWordCount": 5, "timers": {"decisionTimeoutMs": 8000}},
              "voicemailEndTimeoutSec": 12,
              "onHuman": {"play": "hello.wav", "optOutDigit": "9"}, "onMachine": {"play": "hello.wav"},
              "notifyUrl": "https://hooks.example.com/calls", "notifyHeaders": {"X-Token": "t"},
              "amdEventsSubscription": [], "headers": {"User-to-User": "abc", "P-Preferred-Identity": "<sip:+15550001111@x>"},
              "metadata": {"team": "renewals", "n": [1, 2]}, "timezone": "America/Chicago", "defaultCountryCode": "1",
              "contacts": [
                {"target": "555-123-0001", "timezone": "America/Denver", "caller": "+15550002222", "metadata": {"id": 7}},
                {"target": "+15551230002"}
              ]
            }
            """)
        let s = spec.settings
        #expect(spec.id == "spring-2027")
        #expect(s.name == "Spring")
        #expect(s.trunk == "carrier")
        #expect(s.callerHost == "dialer.example.com")
        #expect(s.dialoutLimitPerSecond == 0.5)
        #expect(s.maxConcurrentCalls == 0)
        #expect(s.retryOn == [.busy, .error])
        #expect(s.window.days == [1, 3, 6, 7])
        #expect(s.window.start == 9 * 60 + 30)
        #expect(s.window.end == 24 * 60)
        #expect(s.window.timezone == "Europe/Berlin")
        #expect(s.machineDetection == .disconnect)
        #expect(s.amd.thresholdWordCount == 5)
        #expect(s.amd.timers.decisionTimeoutMs == 8000)
        #expect(s.amd.timers.noSpeechTimeoutMs == 5000)
        #expect(s.onHuman?.optOutDigit == "9")
        #expect(s.onHuman?.play == fixture.context.promptsDirectory + "/hello.wav")
        #expect(s.amdEventsSubscription == [])
        #expect(s.headers.map(\.name) == ["User-to-User", "P-Preferred-Identity"])
        #expect(s.metadata == #"{"team":"renewals","n":[1,2]}"#)
        #expect(spec.contacts.map(\.target) == ["+15551230001", "+15551230002"])
        #expect(spec.contacts[0].metadata == #"{"id":7}"#)
        #expect(spec.contacts[0].line == 15)
    }

    @Test func contactsFileIsReadFromLists() throws {
        let fixture = try LoaderFixture()
        _ = try fixture.write("lists/people.csv", "number,first\n+15551230001,Ann\n+15551230001,dup\n")
        let json = #"{"contactsFile": "people.csv", "maxRetryNo": 0}"#
        let spec = try fixture.load("people-campaign.json", json)
        #expect(spec.id == "people-campaign")
        #expect(spec.contacts.map(\.metadata) == [#"{"first":"Ann"}"#])
        #expect(spec.duplicateCount == 1)
        // The fingerprint covers the list too: changing only the list changes it.
        _ = try fixture.write("lists/people.csv", "number,first\n+15551230001,Ann\n+15551230009,Zed\n")
        #expect(try fixture.load("people-campaign.json", json).contentHash != spec.contentHash)
    }

    @Test func errorsInAContactsFileNameThatFile() throws {
        let fixture = try LoaderFixture()
        _ = try fixture.write("lists/people.csv", "target\n+15551230001\nnope\n")
        #expect(try fixture.problems("c.json", #"{"contactsFile": "people.csv"}"#) == [
            "lists/people.csv:3: target \"nope\" is not a phone number or SIP URI",
        ])
        #expect(try fixture.problems("d.json", #"{"contactsFile": "missing.csv"}"#).first?
            .hasPrefix("d.json:1: contactsFile: contacts file \"missing.csv\" does not exist") == true)
    }

    @Test func reportsEveryBadSettingWithLineAndPath() throws {
        let fixture = try LoaderFixture(allowedCallers: ["+15550001111"])
        try fixture.directory.write("campaigns/prompts/wide.wav", bytes: wav(sampleRate: 16000))
        let problems = try fixture.problems("bad.json", """
            {
              "id": "bad id",
              "anwserTimeoutSec": 30,
              "answerTimeoutSec": 900,
              "dialoutLimitPerSecond": 0,
              "maxConcurrentCalls": 2.5,
              "trunk": "carier",
              "caller": "+15559999999",
              "machineDetection": "detct",
              "retryOn": ["busy", "declined"],
              "window": {"days": ["mon-fry"], "start": "9am", "end": "08:00"},
              "onHuman": {"play": "missing.wav", "optOutDigit": "99"},
              "onMachine": {"play": "wide.wav"},
              "notifyUrl": "ftp://example.com",
              "headers": {"Via": "x", "Bad Header": "y"},
              "timezone": "Europe/Londn",
              "defaultCountryCode": 1,
              "amd": {"thresholdWordCount": 0, "timers": {"noSpeechTimeout": 100, "noSpeechTimeoutMs": 200}},
              "metadata": "x",
              "contacts": [{"target": "+15551230001"}, {"phone": "+15551230002"}, {"target": "abc"}, 5]
            }
            """)
        #expect(problems == [
            "bad.json:2: id: \"bad id\" is not a valid campaign id; use 1 to 64 letters, digits, '.', '_' or '-'",
            "bad.json:3: anwserTimeoutSec: unknown setting \"anwserTimeoutSec\" (did you mean \"answerTimeoutSec\"?)",
            "bad.json:4: answerTimeoutSec: 900 is out of range; expected 1 to 300",
            "bad.json:5: dialoutLimitPerSecond: 0 is out of range; expected more than 0 and at most 10000",
            "bad.json:6: maxConcurrentCalls: expected a whole number but found 2.5",
            "bad.json:7: trunk: trunk \"carier\" is not configured; configured trunks: carrier, backup (did you mean \"carrier\"?)",
            "bad.json:8: caller: caller \"+15559999999\" is not in dialoutAllowedCallers",
            "bad.json:9: machineDetection: \"detct\" is not one of \"disabled\", \"detect\", \"disconnect\" (did you mean \"detect\"?)",
            "bad.json:10: retryOn[1]: \"declined\" is final and is never retried; retryOn takes busy, no-answer, unavailable, error",
            "bad.json:11: window.days[0]: \"mon-fry\" is not a day or day range; use mon, tue, wed, thu, fri, sat, sun or a range like mon-fri",
            "bad.json:11: window.start: \"9am\" is not a time of day; expected HH:MM from 00:00 to 24:00",
            "bad.json:12: onHuman.play: prompt \"missing.wav\" does not exist (looked for \(fixture.context.promptsDirectory)/missing.wav)",
            "bad.json:12: onHuman.optOutDigit: \"99\" is not a DTMF digit; expected one of 0-9, * or #",
            "bad.json:13: onMachine.play: prompt \"wide.wav\" is 16000 Hz with 1 channel(s); expected 8000 Hz mono",
            "bad.json:14: notifyUrl: \"ftp://example.com\" is not an http:// or https:// URL",
            "bad.json:15: headers.Via: header Via is set by campaignd itself and cannot be overridden",
            "bad.json:15: headers.Bad Header: \"Bad Header\" is not a valid header name",
            "bad.json:16: timezone: \"Europe/Londn\" is not a known time zone; use an IANA name such as America/New_York (did you mean \"Europe/London\"?)",
            "bad.json:17: defaultCountryCode: expected a country calling code as a string of 1 to 3 digits, such as \"1\" or \"44\"",
            "bad.json:18: amd.thresholdWordCount: 0 is out of range; expected 1 to 100",
            "bad.json:18: amd.timers.noSpeechTimeout: unknown setting \"noSpeechTimeout\" (did you mean \"noSpeechTimeoutMs\"?)",
            "bad.json:18: amd.timers.noSpeechTimeoutMs: 200 is out of range; expected 500 to 60000",
            "bad.json:19: metadata: expected an object but found a string",
            "bad.json:20: contacts[1].phone: unknown contact field \"phone\"",
            "bad.json:20: contacts[1]: contact has no \"target\"",
            "bad.json:20: contacts[2].target: target \"abc\" is not a phone number or SIP URI",
            "bad.json:20: contacts[3]: expected an object but found a number",
        ])
    }

    @Test func windowMustEndAfterItStarts() throws {
        let problems = try LoaderFixture().problems("w.json", """
            {"window": {"start": "21:00", "end": "08:00"},
             "contacts": [{"target": "+15551230001"}]}
            """)
        #expect(problems == [
            "w.json:1: window: window ends (08:00) before it starts (21:00); overnight windows are not supported, use two campaigns",
        ])
    }

    @Test func quietDatesAreLocalDates() throws {
        let fixture = try LoaderFixture()
        let spec = try fixture.load("holidays.json", """
            {"window": {"exceptDates": ["2026-12-25", "2027-01-01", "2026-12-25"]}, "contacts": [{"target": "+15551230001"}]}
            """)
        #expect(spec.settings.window.exceptDates == ["2026-12-25", "2027-01-01"])
        #expect(try fixture.problems("bad-dates.json", """
            {"window": {"exceptDates": ["2026-02-30", "25/12/2026", 20261225]},
             "contacts": [{"target": "+15551230001"}]}
            """) == [
            "bad-dates.json:1: window.exceptDates[0]: \"2026-02-30\" is not a date; expected YYYY-MM-DD such as 2026-12-25",
            "bad-dates.json:1: window.exceptDates[1]: \"25/12/2026\" is not a date; expected YYYY-MM-DD such as 2026-12-25",
            "bad-dates.json:1: window.exceptDates[2]: expected a string but found a number",
        ])
    }

    @Test func contactsAreRequiredOnce() throws {
        let fixture = try LoaderFixture()
        #expect(try fixture.problems("none.json", "{}") == [
            "none.json:1: campaign has no contacts; add a \"contacts\" array or a \"contactsFile\"",
        ])
        #expect(try fixture.problems("both.json", #"{"contacts": [], "contactsFile": "x.csv"}"#) == [
            "both.json:1: give either \"contacts\" or \"contactsFile\", not both",
        ])
        #expect(try fixture.problems("empty.json", #"{"contacts": []}"#) == [
            "empty.json:1: contacts: campaign has no contacts (the array is empty)",
        ])
    }

    @Test func syntaxErrorsNameTheLine() throws {
        #expect(try LoaderFixture().problems("s.json", "{\n\"contacts\": [\n}") == ["s.json:3: invalid JSON: expected a value but found '}'"])
        #expect(try LoaderFixture().problems("arr.json", "[]") == ["arr.json:1: expected an object but found an array"])
    }

    @Test func campaignSettingsOverrideConfigurationDefaults() throws {
        let fixture = try LoaderFixture(defaults: #"{"defaultCountryCode": "44", "maxRetryNo": 5, "amd": {"timers": {"toneTimeoutMs": 9000}}}"#)
        let spec = try fixture.load("uk.json", """
            {"maxRetryNo": 1, "amd": {"thresholdWordCount": 4}, "contacts": [{"target": "020 7946 0958"}]}
            """)
        #expect(spec.settings.maxRetryNo == 1)
        #expect(spec.settings.amd.thresholdWordCount == 4)
        #expect(spec.settings.amd.timers.toneTimeoutMs == 9000)
        #expect(spec.contacts.map(\.target) == ["+442079460958"])
    }
}

/// A one-second 8-bit mu-law WAV at `sampleRate`.
func wav(sampleRate: UInt32) -> [UInt8] {
    func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }
    func le32(_ v: UInt32) -> [UInt8] { le16(UInt16(v & 0xffff)) + le16(UInt16(v >> 16)) }
    let data = [UInt8](repeating: 0xFF, count: Int(sampleRate))
    let fmt = le16(7) + le16(1) + le32(sampleRate) + le32(sampleRate) + le16(1) + le16(8)
    let body = Array("WAVEfmt ".utf8) + le32(16) + fmt + Array("data".utf8) + le32(UInt32(data.count)) + data
    return Array("RIFF".utf8) + le32(UInt32(body.count)) + body
}
