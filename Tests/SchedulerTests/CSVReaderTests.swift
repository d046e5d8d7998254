import Foundation
import Testing
@testable import Scheduler

private func records(_ text: String) throws(CSVReader.SyntaxError) -> [CSVReader.Record] {
    try records(Array(text.utf8))
}

private func records(_ bytes: [UInt8]) throws(CSVReader.SyntaxError) -> [CSVReader.Record] {
    var reader = try CSVReader(bytes: bytes)
    var out: [CSVReader.Record] = []
    while let record = try reader.next() { out.append(record) }
    return out
}

@Suite struct CSVReaderTests {
    @Test func quotedFieldsWithCommasQuotesAndNewlines() throws {
        let rows = try records("target,note\n+15551230001,\"Smith, John\"\n+15551230002,\"He said \"\"hi\"\"\"\n+15551230003,\"line one\nline two\"\n+15551230004,last\n")
        #expect(rows.map(\.fields) == [
            ["target", "note"],
            ["+15551230001", "Smith, John"],
            ["+15551230002", "He said \"hi\""],
            ["+15551230003", "line one\nline two"],
            ["+15551230004", "last"],
        ])
        // A record after a field with an embedded newline starts two lines further down.
        #expect(rows.map(\.line) == [1, 2, 3, 4, 6])
    }

    @Test(arguments: ["\r\n", "\n", "\r"])
    func lineEndings(ending: String) throws {
        let rows = try records("a,b" + ending + "1,2" + ending + "3,4")
        #expect(rows.map(\.fields) == [["a", "b"], ["1", "2"], ["3", "4"]])
        #expect(rows.map(\.line) == [1, 2, 3])
    }

    @Test func crlfInsideQuotedFieldIsKept() throws {
        let rows = try records("a,b\r\n1,\"x\r\ny\"\r\n2,z\r\n")
        #expect(rows[1].fields == ["1", "x\r\ny"])
        #expect(rows[2].line == 4)
    }

    @Test func byteOrderMarkIsSkipped() throws {
        let rows = try records([0xEF, 0xBB, 0xBF] + Array("target\n+15551230001\n".utf8))
        #expect(rows[0].fields == ["target"])
    }

    @Test func blankLinesAreSkippedButCounted() throws {
        let rows = try records("a\n\n1\n\r\n2\n\n")
        #expect(rows.map(\.fields) == [["a"], ["1"], ["2"]])
        #expect(rows.map(\.line) == [1, 3, 5])
    }

    @Test func emptyAndQuotedEmptyFields() throws {
        let rows = try records("a,b,c\n,,\n\"\",x,\"\"\n")
        #expect(rows[1].fields == ["", "", ""])
        #expect(rows[2].fields == ["", "x", ""])
    }

    @Test func raggedRowsAreReturnedAsTheyAre() throws {
        let rows = try records("a,b,c\n1,2\n1,2,3,4\n")
        #expect(rows.map(\.fields.count) == [3, 2, 4])
    }

    @Test func utf8TextSurvives() throws {
        let rows = try records("name\nZoë Ñúñez 日本\n")
        #expect(rows[1].fields == ["Zoë Ñúñez 日本"])
    }

    @Test func unclosedQuoteNamesTheLineWhereItOpened() {
        #expect(throws: CSVReader.SyntaxError(line: 3, message: "quoted field is never closed (missing '\"')")) {
            try records("a,b\n1,2\n3,\"open\n4,5\n")
        }
    }

    @Test func bareQuoteInUnquotedField() {
        #expect(throws: CSVReader.SyntaxError.self) { try records("a\nab\"c\n") }
        do {
            _ = try records("a\nab\"c\n")
        } catch {
            #expect(error.line == 2)
            #expect(error.message.contains("quote"))
        }
    }

    @Test func textAfterClosingQuote() {
        #expect(throws: CSVReader.SyntaxError.self) { try records("a,b\n\"x\"y,2\n") }
    }

    @Test func invalidUTF8IsRejectedWithItsLine() {
        var bytes = Array("name\nok\n".utf8)
        bytes += [0x43, 0x61, 0x66, 0xE9, 0x0A]  // "Café" in Latin-1
        do {
            _ = try records(bytes)
            Issue.record("Latin-1 text was accepted")
        } catch {
            #expect(error.line == 3)
            #expect(error.message.contains("UTF-8"))
        }
    }

    @Test func utf16IsRejectedUpFront() {
        #expect(throws: CSVReader.SyntaxError.self) { try records([0xFF, 0xFE, 0x61, 0x00]) }
    }

    @Test func skipLineRecoversAfterAnError() throws {
        var reader = try CSVReader(bytes: Array("a,b\n\"x\"y,2\n3,4\n".utf8))
        _ = try reader.next()
        #expect(throws: CSVReader.SyntaxError.self) { try reader.next() }
        let skipped = reader.skipLine()
        #expect(skipped)
        let next = try reader.next()
        #expect(next == CSVReader.Record(line: 3, fields: ["3", "4"]))
    }
}

/// What a reader yields, syntax errors included (each followed by `skipLine`), as comparable text.
private func transcript(_ reader: inout CSVReader) -> [String] {
    var out: [String] = []
    while true {
        do {
            guard let record = try reader.next() else { break }
            out.append("\(record.line): \(record.fields)")
        } catch {
            out.append("error \(error.description)")
            if !reader.skipLine() { break }
        }
    }
    return out
}

@Suite struct CSVStreamingTests {
    /// Quotes, doubled quotes, embedded CR/LF/CRLF, blank lines, every line end, a BOM, errors to recover from.
    static let inputs = [
        "\u{FEFF}target,note\r\n+1555,\"a, b\"\r\n\r\n+1556,\"x\"\"y\"\"\"\r\n+1557,\"two\r\nlines\"\r\n",
        "a,b\n1,\"x\ny\"\n\n\n2,z\n3,\"q\"\"\"\n",
        "a,b\r1,2\r\r3,\"c\rd\"\r4,5",
        "a,b\n1,\"x\"y,2\n3,4\n5,bad\"quote\n6,7\n\"never closed,8\n9,10\n",
        "h\n\"\"\n\"\"\"\"\n,\n",
    ]

    @Test(arguments: 0..<inputs.count)
    func aFileReadInChunksOfAnySizeReadsAsTheSameBytesInMemory(input: Int) throws {
        let bytes = Array(Self.inputs[input].utf8)
        let directory = try TestDirectory()
        let path = try directory.write("list.csv", bytes: bytes)
        var whole = try CSVReader(bytes: bytes)
        let expected = transcript(&whole)
        #expect(expected.count >= 3)
        for chunkSize in [1, 2, 3, 5, 7, 64, 1 << 20] {
            let file = try #require(FileChunkReader(path: path, chunkSize: chunkSize))
            var seen: [UInt8] = []
            file.observer = { seen.append(contentsOf: $0) }
            var streamed = try CSVReader(file: file)
            #expect(transcript(&streamed) == expected, "chunks of \(chunkSize) bytes")
            // The observer saw exactly the file (the content hash covers what was parsed).
            #expect(seen == bytes, "chunks of \(chunkSize) bytes")
        }
    }

    @Test func utf16IsRejectedFromAFileToo() throws {
        let directory = try TestDirectory()
        let path = try directory.write("list.csv", bytes: [0xFF, 0xFE, 0x74, 0x00])
        let file = try #require(FileChunkReader(path: path, chunkSize: 1))
        #expect(throws: CSVReader.SyntaxError.self) { _ = try CSVReader(file: file) }
    }
}
