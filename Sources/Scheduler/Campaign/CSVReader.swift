/// Reads RFC 4180 CSV from UTF-8 bytes: quoted fields with embedded commas, quotes ("") and
/// line breaks; CRLF, LF or CR line ends; an optional UTF-8 byte order mark.
///
/// Blank lines are skipped. Each record carries the line it starts on, so errors can name it.
public struct CSVReader {
    public struct Record: Sendable, Equatable {
        /// 1-based line number of the record's first character.
        public var line: Int
        public var fields: [String]
    }

    public struct SyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    private let bytes: [UInt8]
    private var index: Int
    private var line = 1

    /// Fails at once on an encoding the reader cannot take (UTF-16 or UTF-32 byte order marks).
    public init(bytes: [UInt8]) throws(SyntaxError) {
        self.bytes = bytes
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            throw SyntaxError(line: 1, message: "file is UTF-16 encoded; save it as UTF-8 (CSV UTF-8 in spreadsheet programs)")
        }
        index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    }

    /// The next non-blank record, or nil at the end of the input.
    public mutating func next() throws(SyntaxError) -> Record? {
        while index < bytes.count {
            let startLine = line
            var fields: [String] = []
            var endOfRecord = false
            while !endOfRecord {
                let (field, ended) = try readField()
                fields.append(field)
                endOfRecord = ended
            }
            if fields.count == 1, fields[0].isEmpty { continue }
            return Record(line: startLine, fields: fields)
        }
        return nil
    }

    /// Reads one field; `endOfRecord` is true when a line end or the end of input follows it.
    private mutating func readField() throws(SyntaxError) -> (String, endOfRecord: Bool) {
        let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), cr: UInt8 = 0x0D, lf: UInt8 = 0x0A
        if index < bytes.count, bytes[index] == quote {
            let fieldLine = line
            index += 1
            var out: [UInt8] = []
            while true {
                guard index < bytes.count else {
                    throw SyntaxError(line: fieldLine, message: "quoted field is never closed (missing '\"')")
                }
                let byte = bytes[index]
                if byte == quote {
                    if index + 1 < bytes.count, bytes[index + 1] == quote {
                        out.append(quote)
                        index += 2
                        continue
                    }
                    index += 1
                    break
                }
                if byte == lf || (byte == cr && (index + 1 >= bytes.count || bytes[index + 1] != lf)) { line += 1 }
                out.append(byte)
                index += 1
            }
            let text = try decode(out[...], line: fieldLine)
            guard index < bytes.count else { return (text, true) }
            switch bytes[index] {
            case comma: index += 1; return (text, false)
            case lf, cr: consumeLineEnd(); return (text, true)
            default:
                throw SyntaxError(line: line, message: "unexpected text after a closing quote; a quote inside a quoted field must be doubled (\"\")")
            }
        }
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == comma {
                let text = try decode(bytes[start..<index], line: line)
                index += 1
                return (text, false)
            }
            if byte == lf || byte == cr {
                let text = try decode(bytes[start..<index], line: line)
                consumeLineEnd()
                return (text, true)
            }
            if byte == quote {
                throw SyntaxError(line: line, message: "a quote (\") inside an unquoted field; quote the whole field and double the inner quote")
            }
            index += 1
        }
        return (try decode(bytes[start..<index], line: line), true)
    }

    /// After a syntax error, skips the rest of the physical line so reading can go on and report
    /// later problems too. Returns false when the input is exhausted (an unclosed quote runs to the end).
    public mutating func skipLine() -> Bool {
        while index < bytes.count, bytes[index] != 0x0A, bytes[index] != 0x0D { index += 1 }
        if index < bytes.count { consumeLineEnd() }
        return index < bytes.count
    }

    private mutating func consumeLineEnd() {
        if bytes[index] == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 }
        index += 1
        line += 1
    }

    private func decode(_ slice: ArraySlice<UInt8>, line: Int) throws(SyntaxError) -> String {
        // Most contact data is ASCII, which needs no validation.
        if slice.allSatisfy({ $0 < 0x80 }) { return String(decoding: slice, as: UTF8.self) }
        guard let text = String(validating: slice, as: UTF8.self) else {
            throw SyntaxError(line: line, message: "text is not valid UTF-8; save the file as UTF-8")
        }
        return text
    }
}
