/// Reads a CSV contact list: a header row, then one contact per row.
///
/// The number column is `target` (or `phone`, `to`, `number`, any case); `timezone` and `caller`
/// are optional; every other column becomes contact metadata.
struct ContactListReader: Sendable {
    static let targetAliases = ["target", "phone", "to", "number"]
    /// Past this many problems a file is reported as "and N more" rather than line by line.
    static let diagnosticLimit = 1000
    /// More columns than any contact list has; a wider header is refused before it is looked at.
    static let columnLimit = 1000
    /// Header problems listed one by one before the rest are counted.
    static let headerProblemLimit = 20

    var normalizer: TargetNormalizer
    var allowedCallers: [String]
    /// Set when the campaign connects calls: each contact's metadata must fit the connect headers.
    var connectCheck: ConnectHeaders.ContactCheck? = nil

    struct Result: Sendable {
        var contacts: [ContactSpec] = []
        var duplicateCount = 0
        var diagnostics: [Diagnostic] = []
    }

    /// Where the rows come from: bytes in memory, or a file streamed a chunk at a time.
    enum Input {
        case bytes([UInt8])
        /// `blank`: the file holds only whitespace (`FileChunkReader.isBlank`).
        case file(FileChunkReader, blank: Bool)
    }

    /// Reads the contacts, passing each good, first-seen one to `emit`; `Result.contacts` stays empty.
    func read(_ bytes: [UInt8], file: String, emit: (ContactSpec) -> Void) -> Result {
        read(.bytes(bytes), file: file, removingDuplicates: true, emit: emit)
    }

    /// Reads the contacts, passing each good one to `emit`. With `removingDuplicates` a target seen
    /// before is dropped and counted (a set in memory); without, every good row is passed on and the
    /// caller finds repeats (a large file's set is kept out of memory, in SQLite).
    func read(_ input: Input, file: String, removingDuplicates: Bool, emit: (ContactSpec) -> Void) -> Result {
        var result = Result()
        var suppressed = 0
        func report(_ line: Int?, _ message: String) { reportField(line, message, nil) }
        func reportField(_ line: Int?, _ message: String, _ field: String?) {
            if result.diagnostics.count < Self.diagnosticLimit {
                var diagnostic = Diagnostic(file: file, line: line, message: message)
                diagnostic.field = field
                result.diagnostics.append(diagnostic)
            } else {
                suppressed += 1
            }
        }
        defer {
            if suppressed > 0 { result.diagnostics.append(Diagnostic(file: file, line: nil, message: "and \(suppressed) more problems")) }
        }
        let blank = switch input {
        case .bytes(let bytes):
            bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) || bytes == [0xEF, 0xBB, 0xBF]
        case .file(_, let blank):
            blank
        }
        if blank {
            report(nil, "file is empty; expected a header row such as \"target,name\" and one row per contact")
            return result
        }
        var csv: CSVReader
        do {
            switch input {
            case .bytes(let bytes): csv = try CSVReader(bytes: bytes)
            case .file(let reader, _): csv = try CSVReader(file: reader)
            }
        } catch {
            report(error.line, error.message)
            return result
        }
        /// Reads the next record into `raw`; syntax errors are reported and their line skipped.
        func nextRecord(_ raw: inout CSVReader.RawRecord) -> Bool {
            while true {
                do {
                    return try csv.next(into: &raw)
                } catch {
                    report(error.line, error.message)
                    if !csv.skipLine() { return false }
                }
            }
        }
        var raw = CSVReader.RawRecord()
        guard nextRecord(&raw) else {
            if result.diagnostics.isEmpty { report(nil, "file is empty") }
            return result
        }
        guard raw.fieldCount <= Self.columnLimit else {
            report(raw.line, "header has \(Diagnostic.grouped(raw.fieldCount)) columns; a contact list may have at most \(Diagnostic.grouped(Self.columnLimit))")
            return result
        }
        let header = CSVReader.Record(line: raw.line, fields: (0..<raw.fieldCount).map { raw.string($0) })
        guard let columns = readHeader(header, report: report) else {
            // Without the columns every row would be an error; read on only for syntax errors.
            while nextRecord(&raw) {}
            return result
        }
        var seen = Set<String>(minimumCapacity: 1024)
        var zones = ZoneCache()
        var contactsRead = 0
        while nextRecord(&raw) {
            contactsRead += 1
            guard raw.fieldCount == header.fields.count else {
                report(raw.line, "row has \(raw.fieldCount) fields but the header has \(header.fields.count)")
                continue
            }
            guard let contact = readContact(raw, columns: columns, zones: &zones, report: reportField) else { continue }
            if !removingDuplicates || seen.insert(contact.target).inserted {
                emit(contact)
            } else {
                result.duplicateCount += 1
            }
        }
        if csv.readFailed { report(nil, "file could not be read to its end (I/O error)") }
        if contactsRead == 0, result.diagnostics.isEmpty {
            report(header.line, "file has a header but no contacts")
        }
        return result
    }

    private struct Columns {
        var target: Int
        var timezone: Int?
        var caller: Int?
        var notifyUrl: Int?
        /// (index, `"name":` as JSON bytes) of every column that becomes metadata.
        var metadata: [(Int, [UInt8])]
    }

    /// Finds the columns in one pass (a set for duplicates: linear in the width of the header).
    private func readHeader(_ header: CSVReader.Record, report: (Int?, String) -> Void) -> Columns? {
        var valid = true
        var names: [String] = []
        var loweredNames = Set<String>()
        var targetColumns: [Int] = []
        var timezone: Int?, caller: Int?, notifyUrl: Int?
        var metadata: [(Int, [UInt8])] = []
        var problems = 0
        func problem(_ message: @autoclosure () -> String) {
            valid = false
            problems += 1
            if problems <= Self.headerProblemLimit { report(header.line, message()) }
        }
        defer {
            if problems > Self.headerProblemLimit {
                report(header.line, "and \(Diagnostic.grouped(problems - Self.headerProblemLimit)) more problems in the header")
            }
        }
        for (index, raw) in header.fields.enumerated() {
            let name = raw.trimmingWhitespace()
            let lowered = name.lowercased()
            if name.isEmpty {
                problem("column \(index + 1) of the header has no name")
                continue
            }
            guard loweredNames.insert(lowered).inserted else {
                problem("column \(Diagnostic.excerpt(name)) appears twice in the header")
                continue
            }
            names.append(name)
            if Self.targetAliases.contains(lowered) {
                targetColumns.append(index)
            } else if lowered == "timezone" {
                timezone = index
            } else if lowered == "caller" {
                caller = index
            } else if lowered == "notifyurl" {
                notifyUrl = index
            } else {
                var key = ""
                JSONNode.appendQuoted(name, to: &key)
                metadata.append((index, Array((key + ":").utf8)))
            }
        }
        if targetColumns.count > 1 {
            let clashing = targetColumns.map { Diagnostic.excerpt(header.fields[$0]) }.joined(separator: " and ")
            report(header.line, "columns \(clashing) could each be the number to call; keep one of target, phone, to, number")
            valid = false
        }
        guard let target = targetColumns.first else {
            let hint = names.lazy.compactMap { DidYouMean.suggestion(for: $0, among: Self.targetAliases) != nil ? $0 : nil }.first
            report(header.line, "no number column; the header needs a column named target, phone, to or number"
                + (hint.map { " (is \(Diagnostic.excerpt($0)) meant to be one?)" } ?? ""))
            return nil
        }
        return valid ? Columns(target: target, timezone: timezone, caller: caller, notifyUrl: notifyUrl, metadata: metadata) : nil
    }

    private func readContact(
        _ record: CSVReader.RawRecord, columns: Columns, zones: inout ZoneCache, report: (Int?, String, String?) -> Void
    ) -> ContactSpec? {
        var valid = true
        var contact = ContactSpec(target: "", line: record.line)
        let targetBytes = record.bytes[record.range(of: columns.target)]
        if let number = normalizer.phoneNumber(targetBytes) {
            contact.target = number
        } else {
            switch normalizer.normalize(record.string(columns.target)) {
            case .success(let target): contact.target = target.description
            case .failure(let error): report(record.line, error.description, "target"); valid = false
            }
        }
        if let index = columns.timezone, !record.range(of: index).isEmpty {
            switch zones.zone(record.bytes[record.range(of: index)]) {
            case .success(let zone): contact.timezone = zone
            case .failure(let problem): report(record.line, "timezone " + problem.description, "timezone"); valid = false
            }
        }
        if let index = columns.caller {
            let caller = record.string(index).trimmingWhitespace()
            if !caller.isEmpty {
                switch CampaignSettings.normalizeCaller(caller) {
                case .success(let normalized):
                    if !allowedCallers.isEmpty, !allowedCallers.contains(normalized) {
                        report(record.line, "caller \(Diagnostic.excerpt(caller)) is not in dialoutAllowedCallers", "caller")
                        valid = false
                    } else {
                        contact.caller = normalized
                    }
                case .failure(let error):
                    report(record.line, error.description, "caller")
                    valid = false
                }
            }
        }
        if let index = columns.notifyUrl {
            let url = record.string(index).trimmingWhitespace()
            if !url.isEmpty {
                if CampaignSettings.isWebhookURL(url) {
                    contact.notifyUrl = url
                } else {
                    report(record.line, "notifyUrl \(Diagnostic.excerpt(url)) is not an http:// or https:// URL", "notifyUrl")
                    valid = false
                }
            }
        }
        guard valid else { return nil }
        if !columns.metadata.isEmpty {
            contact.metadata = metadataJSON(record, columns: columns)
            if let problem = connectCheck?.problem(contactMetadata: contact.metadata, target: contact.target) {
                report(record.line, problem, "metadata")
                return nil
            }
        }
        return contact
    }

    /// `{"column":"value",…}` for the non-empty metadata columns, built from the record's bytes.
    private func metadataJSON(_ record: CSVReader.RawRecord, columns: Columns) -> String {
        var json: [UInt8] = [UInt8(ascii: "{")]
        json.reserveCapacity(96)
        record.bytes.withUnsafeBufferPointer { bytes in
            for (index, key) in columns.metadata {
                let range = record.range(of: index)
                if range.isEmpty { continue }
                if json.count > 1 { json.append(UInt8(ascii: ",")) }
                json.append(contentsOf: key)
                JSONNode.appendQuoted(UnsafeBufferPointer(rebasing: bytes[range]), to: &json)
            }
        }
        json.append(UInt8(ascii: "}"))
        return String(decoding: json, as: UTF8.self)
    }
}

/// The time zone names a contact list uses (usually a handful), remembered as bytes so each row
/// costs a byte comparison instead of a String and a lookup.
struct ZoneCache {
    private var known: [(bytes: [UInt8], name: String)] = []

    mutating func zone(_ bytes: ArraySlice<UInt8>) -> Result<String, TargetError> {
        for entry in known where entry.bytes.elementsEqual(bytes) { return .success(entry.name) }
        let name = String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
        if let problem = TimeZoneNames.problem(with: name) { return .failure(TargetError(problem)) }
        if known.count < 64 { known.append((Array(bytes), name)) }
        return .success(name)
    }
}
