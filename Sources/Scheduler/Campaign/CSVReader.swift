/// Reads RFC 4180 CSV from UTF-8 bytes: quoted fields with embedded commas, quotes ("") and
/// line breaks; CRLF, LF or CR line ends; an optional UTF-8 byte order mark.
///
/// Blank lines are skipped. Each record carries the line it starts on, so errors can name it.
/// `next(into:)` fills a reusable byte record without creating Strings (the import hot path);
/// `next()` returns Strings.
public struct CSVReader {
    public struct Record: Sendable, Equatable {
        /// 1-based line number of the record's first character.
        public var line: Int
        public var fields: [String]
    }

    /// One record's fields as bytes, unquoted and unescaped, stored back to back; reused between rows.
    public struct RawRecord {
        public var line = 0
        public var bytes: [UInt8] = []
        /// End offset in `bytes` of each field.
        public var fieldEnds: [Int] = []

        public init() {}

        public var fieldCount: Int { fieldEnds.count }

        public func range(of field: Int) -> Range<Int> {
            (field == 0 ? 0 : fieldEnds[field - 1])..<fieldEnds[field]
        }

        /// The field as a String; the record's bytes were validated as UTF-8 when it was read.
        public func string(_ field: Int) -> String {
            String(decoding: bytes[range(of: field)], as: UTF8.self)
        }

        mutating func clear() {
            bytes.removeAll(keepingCapacity: true)
            fieldEnds.removeAll(keepingCapacity: true)
        }
    }

    public struct SyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    private let bytes: [UInt8]
    private var index: Int
    private var line = 1
    private var scratch = RawRecord()

    /// Fails at once on an encoding the reader cannot take (UTF-16 byte order marks).
    public init(bytes: [UInt8]) throws(SyntaxError) {
        self.bytes = bytes
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            throw SyntaxError(line: 1, message: "file is UTF-16 encoded; save it as UTF-8 (CSV UTF-8 in spreadsheet programs)")
        }
        index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    }

    /// The next non-blank record, or nil at the end of the input.
    public mutating func next() throws(SyntaxError) -> Record? {
        var raw = scratch
        defer { scratch = raw }
        guard try next(into: &raw) else { return nil }
        return Record(line: raw.line, fields: (0..<raw.fieldCount).map { raw.string($0) })
    }

    /// Reads the next non-blank record into `record`; false at the end of the input.
    public mutating func next(into record: inout RawRecord) throws(SyntaxError) -> Bool {
        while index < bytes.count {
            record.clear()
            record.line = line
            try bytes.withUnsafeBufferPointer { buffer throws(SyntaxError) in
                var endOfRecord = false
                while !endOfRecord {
                    endOfRecord = try readField(buffer, into: &record)
                }
            }
            if record.fieldCount == 1, record.bytes.isEmpty { continue }
            try validateUTF8(record)
            return true
        }
        return false
    }

    /// After a syntax error, skips the rest of the physical line so reading can go on and report
    /// later problems too. Returns false when the input is exhausted (an unclosed quote runs to the end).
    public mutating func skipLine() -> Bool {
        while index < bytes.count, bytes[index] != 0x0A, bytes[index] != 0x0D { index += 1 }
        if index < bytes.count { consumeLineEnd() }
        return index < bytes.count
    }

    /// Appends one field to `record`; returns true when a line end or the end of input follows it.
    private mutating func readField(_ buffer: UnsafeBufferPointer<UInt8>, into record: inout RawRecord) throws(SyntaxError) -> Bool {
        let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), cr: UInt8 = 0x0D, lf: UInt8 = 0x0A
        let count = buffer.count
        if index < count, buffer[index] == quote {
            let fieldLine = line
            index += 1
            while true {
                guard index < count else {
                    throw SyntaxError(line: fieldLine, message: "quoted field is never closed (missing '\"')")
                }
                let byte = buffer[index]
                if byte == quote {
                    if index + 1 < count, buffer[index + 1] == quote {
                        record.bytes.append(quote)
                        index += 2
                        continue
                    }
                    index += 1
                    break
                }
                if byte == lf || (byte == cr && (index + 1 >= count || buffer[index + 1] != lf)) { line += 1 }
                record.bytes.append(byte)
                index += 1
            }
            record.fieldEnds.append(record.bytes.count)
            guard index < count else { return true }
            switch buffer[index] {
            case comma: index += 1; return false
            case lf, cr: consumeLineEnd(); return true
            default:
                throw SyntaxError(line: line, message: "unexpected text after a closing quote; a quote inside a quoted field must be doubled (\"\")")
            }
        }
        let start = index
        while index < count {
            let byte = buffer[index]
            if byte == comma || byte == lf || byte == cr { break }
            if byte == quote {
                throw SyntaxError(line: line, message: "a quote (\") inside an unquoted field; quote the whole field and double the inner quote")
            }
            index += 1
        }
        record.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<index]))
        record.fieldEnds.append(record.bytes.count)
        guard index < count else { return true }
        if buffer[index] == comma {
            index += 1
            return false
        }
        consumeLineEnd()
        return true
    }

    private mutating func consumeLineEnd() {
        if bytes[index] == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 }
        index += 1
        line += 1
    }

    private func validateUTF8(_ record: RawRecord) throws(SyntaxError) {
        // Most contact data is ASCII, which needs no further check.
        if record.bytes.allSatisfy({ $0 < 0x80 }) { return }
        for field in 0..<record.fieldCount where String(validating: record.bytes[record.range(of: field)], as: UTF8.self) == nil {
            throw SyntaxError(line: record.line, message: "text is not valid UTF-8; save the file as UTF-8")
        }
    }
}
