/// Reads RFC 4180 CSV from UTF-8 bytes: quoted fields with embedded commas, quotes ("") and
/// line breaks; CRLF, LF or CR line ends; an optional UTF-8 byte order mark.
///
/// Blank lines are skipped. Each record carries the line it starts on, so errors can name it.
/// Reads from bytes in memory or streams a file (`init(file:)`), holding only the record being read.
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

    /// The input, or for a file the part of it not yet consumed (from the record being read on).
    private var bytes: [UInt8]
    private var index: Int
    private var line = 1
    private var scratch = RawRecord()
    private let source: FileChunkReader?
    /// No input beyond `bytes`.
    private var atEnd: Bool
    /// The record being read runs past `bytes` and more input may follow: read more and start it again.
    private var starved = false

    /// Fails at once on an encoding the reader cannot take (UTF-16 byte order marks).
    public init(bytes: [UInt8]) throws(SyntaxError) {
        self.bytes = bytes
        source = nil
        atEnd = true
        index = 0
        try checkEncoding()
    }

    /// Streams `file` from its start, a chunk at a time.
    init(file: FileChunkReader) throws(SyntaxError) {
        bytes = []
        source = file
        atEnd = false
        index = 0
        while bytes.count < 3, refill(keepingFrom: 0) {}
        try checkEncoding()
    }

    private mutating func checkEncoding() throws(SyntaxError) {
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            throw SyntaxError(line: 1, message: "file is UTF-16 encoded; save it as UTF-8 (CSV UTF-8 in spreadsheet programs)")
        }
        index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    }

    /// Whether a line end (LF or CR) is in the input after `index`.
    private func lineEndFollows() -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            var at = index
            while at < buffer.count {
                if buffer[at] == 0x0A || buffer[at] == 0x0D { return true }
                at += 1
            }
            return false
        }
    }

    /// Drops the input before `start` and reads the next chunk; false if nothing more came.
    private mutating func refill(keepingFrom start: Int) -> Bool {
        guard let source, !atEnd else { return false }
        if start > 0 {
            bytes.removeSubrange(0..<start)
            index -= start
        }
        // At least as much as is kept: a record longer than a chunk is parsed again O(log n) times, not O(n).
        let wanted = max(bytes.count, 1)
        var appended = 0
        while appended < wanted {
            let got = source.read(appendingTo: &bytes)
            if got == 0 {
                atEnd = true
                break
            }
            appended += got
        }
        return appended > 0
    }

    /// A read of the streamed file failed before its end (an I/O error): what was read is all there is.
    var readFailed: Bool { source?.failed ?? false }

    /// The next non-blank record, or nil at the end of the input.
    public mutating func next() throws(SyntaxError) -> Record? {
        var raw = scratch
        defer { scratch = raw }
        guard try next(into: &raw) else { return nil }
        return Record(line: raw.line, fields: (0..<raw.fieldCount).map { raw.string($0) })
    }

    /// Reads the next non-blank record into `record`; false at the end of the input.
    public mutating func next(into record: inout RawRecord) throws(SyntaxError) -> Bool {
        while true {
            if index >= bytes.count {
                guard refill(keepingFrom: index) else { return false }
                continue
            }
            if !atEnd, !lineEndFollows() {
                // The record may run past what is read: read on first rather than parse it twice.
                _ = refill(keepingFrom: index)
                continue
            }
            let start = index, startLine = line
            record.clear()
            record.line = line
            starved = false
            // A local reference: the parse mutates `index`, not the bytes.
            let input = bytes
            try input.withUnsafeBufferPointer { buffer throws(SyntaxError) in
                var endOfRecord = false
                while !endOfRecord {
                    endOfRecord = try readField(buffer, into: &record)
                }
            }
            if starved {
                index = start
                line = startLine
                _ = refill(keepingFrom: start)
                continue
            }
            if record.fieldCount == 1, record.bytes.isEmpty { continue }
            try validateUTF8(record)
            return true
        }
    }

    /// After a syntax error, skips the rest of the physical line so reading can go on and report
    /// later problems too. Returns false when the input is exhausted (an unclosed quote runs to the end).
    public mutating func skipLine() -> Bool {
        while true {
            while index < bytes.count, bytes[index] != 0x0A, bytes[index] != 0x0D { index += 1 }
            if index < bytes.count { break }
            guard refill(keepingFrom: index) else { return false }
        }
        if bytes[index] == 0x0D, index + 1 >= bytes.count { _ = refill(keepingFrom: index) }
        consumeLineEnd()
        if index >= bytes.count { _ = refill(keepingFrom: index) }
        return index < bytes.count
    }

    /// Appends one field to `record`; returns true when a line end or the end of input follows it.
    private mutating func readField(_ buffer: UnsafeBufferPointer<UInt8>, into record: inout RawRecord) throws(SyntaxError) -> Bool {
        let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), cr: UInt8 = 0x0D, lf: UInt8 = 0x0A
        let count = buffer.count
        // Input that ends inside a record is only the end if no more can be read.
        if index >= count, !atEnd {
            starved = true
            return true
        }
        if index < count, buffer[index] == quote {
            let fieldLine = line
            index += 1
            while true {
                guard index < count else {
                    if !atEnd {
                        starved = true
                        return true
                    }
                    throw SyntaxError(line: fieldLine, message: "quoted field is never closed (missing '\"')")
                }
                let byte = buffer[index]
                if index + 1 >= count, !atEnd, byte == quote || byte == cr {
                    // A doubled quote or a CRLF may straddle the chunk boundary.
                    starved = true
                    return true
                }
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
            guard index < count else {
                starved = !atEnd
                return true
            }
            switch buffer[index] {
            case comma: index += 1; return false
            case lf, cr:
                if buffer[index] == cr, index + 1 >= count, !atEnd {
                    starved = true
                    return true
                }
                consumeLineEnd()
                return true
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
        guard index < count else {
            starved = !atEnd
            return true
        }
        if buffer[index] == comma {
            index += 1
            return false
        }
        if buffer[index] == cr, index + 1 >= count, !atEnd {
            starved = true
            return true
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
