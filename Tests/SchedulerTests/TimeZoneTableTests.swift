import Foundation
import Testing
@testable import Scheduler

@Suite struct TimeZoneTableTests {
    static let dataFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../deploy/timezones/map_data.txt").standardizedFileURL.path

    @Test func theEmbeddedTableIsTheShippedDataFile() throws {
        let file = try String(contentsOfFile: Self.dataFile, encoding: .utf8)
        // A multi-line literal drops the newline before its closing delimiter.
        #expect(TimeZoneTable.embeddedMapData + "\n" == file)
        #expect(file.contains("Licensed under the Apache License, Version 2.0"))
        #expect(file.contains(TimeZoneTable.embeddedDataVersion))
        #expect(TimeZoneTable.libphonenumber.count == file.split(separator: "\n").filter { $0.first?.isNumber == true }.count)
    }

    @Test func theLongestPrefixWins() {
        let table = TimeZoneTable.libphonenumber
        // Most of +1 208 2 is split between Boise and Los Angeles time; 208 201 is in Denver's.
        #expect(table.match("+12082999999") == .init(prefix: "12082", zones: ["America/Boise", "America/Los_Angeles"]))
        #expect(table.match("+12082011234") == .init(prefix: "1208201", zones: ["America/Denver"]))
        #expect(table.match("+13055550100")?.zones == ["America/New_York"])
        #expect(table.match("+19075550100")?.zones == ["America/Adak", "America/Anchorage"])
        #expect(table.match("+442079460958") == .init(prefix: "442", zones: ["Europe/London"]))
    }

    @Test func anAreaCodeNotInTheTableFallsBackToItsCountry() throws {
        let match = try #require(TimeZoneTable.libphonenumber.match("+19995550100"))
        #expect(match.prefix == "1")
        #expect(match.zones.contains("America/New_York") && match.zones.contains("Pacific/Guam") && match.zones.contains("Pacific/Honolulu"))
    }

    @Test func onlyE164NumbersHaveZones() {
        let table = TimeZoneTable.libphonenumber
        #expect(table.match("sip:alice@example.com") == nil)
        #expect(table.match("+") == nil)
        #expect(table.match("15551234567") == nil)
    }

    @Test func malformedDataIsRejectedWithItsLine() {
        #expect(throws: TimeZoneTableError.malformedLine(3, "1201 America/New_York")) {
            try TimeZoneTable(mapData: "# notice\n\n1201 America/New_York\n")
        }
        #expect(throws: TimeZoneTableError.duplicatePrefix(2, "44")) {
            try TimeZoneTable(mapData: "44|Europe/London\n44|Europe/London\n")
        }
        #expect(throws: TimeZoneTableError.malformedLine(1, "44|")) { try TimeZoneTable(mapData: "44|\n") }
    }
}
