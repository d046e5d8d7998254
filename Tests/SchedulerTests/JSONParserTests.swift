import Testing
@testable import Scheduler

@Suite struct JSONParserTests {
    private func parse(_ text: String) throws(JSONParser.SyntaxError) -> JSONNode {
        try JSONParser.parse(Array(text.utf8), file: "t.json")
    }

    @Test func recordsLinesAndKeepsKeyOrder() throws {
        let root = try parse("{\n  \"b\": 1,\n  \"a\": [true, null,\n    \"x\"],\n  \"c\": {\"d\": -1.5e2}\n}")
        #expect(root.objectPairs?.map(\.key) == ["b", "a", "c"])
        #expect(root["b"]?.location.line == 2)
        #expect(root["a"]?.location.line == 3)
        guard case .array(let items)? = root["a"]?.value else { Issue.record("a is not an array"); return }
        #expect(items[2].location.line == 4)
        guard case .number(let number, let text)? = root["c"]?["d"]?.value else { Issue.record("no number"); return }
        #expect(number == -150)
        #expect(text == "-1.5e2")
        #expect(root.serialized == "{\"b\":1,\"a\":[true,null,\"x\"],\"c\":{\"d\":-1.5e2}}")
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let root = try parse(#"{"s": "tab\tquote\" slash\/ e\u00e9 smile\ud83d\ude00"}"#)
        guard case .string(let text)? = root["s"]?.value else { Issue.record("not a string"); return }
        #expect(text == "tab\tquote\" slash/ eé smile😀")
        #expect(root.serialized == "{\"s\":\"tab\\tquote\\\" slash/ eé smile😀\"}")
    }

    @Test(arguments: [
        ("{\"a\": 1,\n \"a\": 2}", 2, "duplicate key \"a\""),
        ("{\"a\": 1,}", 1, "expected a quoted key but found '}'"),
        ("{\n\"a\": [1 2]}", 2, "expected ',' or ']' but found '2'"),
        ("{\"a\": 01}", 1, "invalid number: leading zero"),
        ("{\"a\": \"x\n\"}", 1, "unterminated string (a newline inside a string must be written \\n)"),
        ("{\"a\": tru}", 1, "expected true but found 't'"),
        ("{\"a\": 1} x", 1, "unexpected 'x' after the end of the JSON document"),
        ("\n\n", 3, "expected a value but the file ended"),
        ("{\"a\": \"\\ud800\"}", 1, "unpaired UTF-16 surrogate in \\u escape"),
    ])
    func syntaxErrorsNameTheLine(text: String, line: Int, message: String) {
        #expect(throws: JSONParser.SyntaxError(line: line, message: message)) { try parse(text) }
    }

    @Test func rejectsDeepNesting() {
        let text = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        #expect(throws: JSONParser.SyntaxError.self) { try parse(text) }
    }

    @Test func mergeLaysObjectsOverEachOtherAndKeepsLocations() throws {
        let base = try JSONParser.parse(Array("{\"a\": 1, \"w\": {\"x\": 1, \"y\": 2}}".utf8), file: "config.json")
        let top = try JSONParser.parse(Array("{\n\"w\": {\"y\": 3},\n\"b\": 4}".utf8), file: "c.json")
        let merged = base.merged(with: top)
        #expect(merged.serialized == "{\"a\":1,\"w\":{\"x\":1,\"y\":3},\"b\":4}")
        #expect(merged["a"]?.location.file == "config.json")
        #expect(merged["w"]?["y"]?.location == SourceLocation(file: "c.json", line: 2))
    }
}

@Suite struct JSONCommentTests {
    @Test func commentsOnlyWhereAllowed() throws {
        let text = "{\n  // the trunk\n  \"a\": 1, /* two\n lines */ \"b\": 2\n}"
        let root = try JSONParser.parse(Array(text.utf8), file: "c.json", allowComments: true)
        #expect(root.serialized == "{\"a\":1,\"b\":2}")
        #expect(root["b"]?.location.line == 4)
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(Array(text.utf8), file: "c.json") }
    }
}
