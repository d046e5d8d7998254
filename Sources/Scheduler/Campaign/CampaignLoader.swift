import Foundation
import Telephony

/// Reads a campaign file (CSV or JSON), validates all of it and returns a `CampaignSpec`, or
/// throws a `ValidationFailure` listing every problem. Pure: it reads files, writes nothing.
public struct CampaignLoader: Sendable {
    public var context: CampaignValidationContext

    public init(context: CampaignValidationContext) {
        self.context = context
    }

    /// Keys a campaign JSON file may have besides the settings.
    static let campaignOnlyKeys = ["id", "contacts", "contactsFile"]

    /// Reads and validates the whole campaign at `path`, contacts included.
    /// Holds every contact in memory: for a large file `CampaignValidator` and `CampaignImporter` stream instead.
    public func load(path: String) throws(ValidationFailure) -> CampaignSpec {
        let prepared = try prepare(path: path)
        var contacts: [ContactSpec] = []
        let list = readContacts(of: prepared) { contacts.append($0) }
        let diagnostics = prepared.diagnostics + list.diagnostics
        guard diagnostics.isEmpty else { throw ValidationFailure(sortedByLine: diagnostics) }
        return CampaignSpec(
            id: prepared.id, sourceFile: path, settings: prepared.settings, contacts: contacts,
            duplicateCount: list.duplicateCount, contentHash: prepared.contentHash())
    }

    /// Reads `path` (and its contacts file) and validates everything but the contact rows.
    ///
    /// Throws only when nothing more can be read (missing file, unknown type, broken JSON); other
    /// problems are in `diagnostics`, so that contact rows can be checked too and all reported at once.
    public func prepare(path: String) throws(ValidationFailure) -> PreparedCampaign {
        let file = (path as NSString).lastPathComponent
        let stem = (file as NSString).deletingPathExtension
        let type = (file as NSString).pathExtension.lowercased()
        guard type == "csv" || type == "json" else {
            throw ValidationFailure([Diagnostic(file: file, line: nil, message: "unsupported file type; campaign files end in .csv or .json")])
        }
        guard type == "csv" else {
            return try prepareJSON(bytes: try Self.readFile(path, name: file), file: file, stem: stem, path: path)
        }
        // A CSV is streamed when its rows are read; here it need only be readable.
        try Self.checkReadable(path, name: file)
        var prepared = prepareCSV(bytes: [], file: file, stem: stem, path: path)
        prepared.fingerprintInputs = []
        prepared.contacts = .csvFile(path: path, file: file)
        return prepared
    }

    /// Reads, validates and normalises the contacts of `prepared`, passing each good one to `emit`
    /// in file order. Returns how many duplicates were dropped and every problem found.
    public func readContacts(of prepared: PreparedCampaign, emit: (ContactSpec) -> Void) -> (duplicateCount: Int, diagnostics: [Diagnostic]) {
        readContacts(of: prepared, removingDuplicates: true, observingBytes: nil, emit: emit)
    }

    /// Reads the contacts of `prepared` as `readContacts(of:emit:)` does, streaming a contacts file a
    /// chunk at a time.
    ///
    /// - Parameters:
    ///   - removingDuplicates: false passes repeated targets on too, for a caller that finds them
    ///     without holding every target in memory; `duplicateCount` is then 0.
    ///   - observingBytes: given the content the fingerprint covers, in order, as it is read (the
    ///     campaign file, then its contacts file): a SHA-256 of it is `contentHash()`.
    public func readContacts(
        of prepared: PreparedCampaign, removingDuplicates: Bool, observingBytes: ((UnsafeRawBufferPointer) -> Void)?,
        emit: (ContactSpec) -> Void
    ) -> (duplicateCount: Int, diagnostics: [Diagnostic]) {
        if let observingBytes {
            for bytes in prepared.fingerprintInputs { bytes.withUnsafeBytes(observingBytes) }
        }
        switch prepared.contacts {
        case .none:
            return (0, [])
        case .inline(let list):
            list.contacts.forEach(emit)
            return (list.duplicateCount, list.diagnostics)
        case .csv(let bytes, let file):
            let list = contactReader(prepared.settings).read(.bytes(bytes), file: file, removingDuplicates: removingDuplicates, emit: emit)
            return (list.duplicateCount, list.diagnostics)
        case .csvFile(let path, let file):
            guard let blank = FileChunkReader.isBlank(path: path), let reader = FileChunkReader(path: path) else {
                return (0, [Diagnostic(file: file, line: nil, message: "file cannot be read (permissions?)")])
            }
            reader.observer = observingBytes
            let list = contactReader(prepared.settings).read(
                .file(reader, blank: blank), file: file, removingDuplicates: removingDuplicates, emit: emit)
            return (list.duplicateCount, list.diagnostics)
        }
    }

    /// Throws the diagnostic `readFile` would if `path` cannot be opened as a regular file.
    static func checkReadable(_ path: String, name: String) throws(ValidationFailure) {
        guard FileChunkReader(path: path) == nil else { return }
        let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read (permissions?)" : "does not exist"
        throw ValidationFailure([Diagnostic(file: name, line: nil, message: "file \(reason)")])
    }

    static func readFile(_ path: String, name: String) throws(ValidationFailure) -> [UInt8] {
        guard let bytes = readWholeFile(path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read (permissions?)" : "does not exist"
            throw ValidationFailure([Diagnostic(file: name, line: nil, message: "file \(reason)")])
        }
        return bytes
    }

    /// The file's bytes read straight into an array (Data and a copy out of it cost a second pass
    /// over a large contact list), or nil if it cannot be opened or read.
    private static func readWholeFile(_ path: String) -> [UInt8]? {
        // O_NONBLOCK: a FIFO dropped in place of a file must not block the open; fstat then rejects it.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        let size = Int(info.st_size)
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            count = 0
            while count < size {
                let got = read(fd, buffer.baseAddress! + count, size - count)
                if got < 0, errno == EINTR { continue }
                guard got > 0 else {
                    failed = got < 0
                    break
                }
                count += got
            }
        }
        return failed ? nil : bytes
    }

    /// Settings from the configuration's `defaults` alone (a CSV campaign has no settings of its own).
    private func defaultSettings(reader: inout JSONFieldReader) -> CampaignSettings {
        guard let defaults = context.defaults else { return CampaignSettings() }
        return CampaignSettings.read(from: defaults, context: context, reader: &reader)
    }

    private func prepareCSV(bytes: [UInt8], file: String, stem: String, path: String) -> PreparedCampaign {
        var reader = JSONFieldReader()
        let settings = defaultSettings(reader: &reader)
        var diagnostics = reader.diagnostics
        if let problem = Self.idProblem(stem) {
            diagnostics.append(Diagnostic(file: file, line: nil, message: "file name cannot be a campaign id: \(problem); rename the file"))
        }
        return PreparedCampaign(
            id: stem, sourceFile: path, settings: settings, diagnostics: diagnostics,
            fingerprintInputs: [bytes], contacts: .csv(bytes: bytes, file: file))
    }

    /// The format of a campaign that does not come from a file (an HTTP API request body).
    public enum Format: Sendable {
        case csv
        case json
    }

    /// Reads and validates a whole campaign given as bytes (an HTTP request body) exactly as a
    /// dropped file of that format would be: `name` names it in messages, `id` is the campaign id
    /// of a CSV (a JSON campaign may give its own `"id"`, else `id`).
    public func load(bytes: [UInt8], format: Format, name: String, id: String) throws(ValidationFailure) -> CampaignSpec {
        let prepared: PreparedCampaign
        switch format {
        case .csv: prepared = prepareCSV(bytes: bytes, file: name, stem: id, path: name)
        case .json: prepared = try prepareJSON(bytes: bytes, file: name, stem: id, path: name)
        }
        return try complete(prepared)
    }

    /// Validates a campaign already parsed as JSON (the settings and contacts of an API call).
    public func load(json root: JSONNode, name: String, id: String) throws(ValidationFailure) -> CampaignSpec {
        try complete(prepareJSON(root: root, bytes: Array(root.serialized.utf8), file: name, stem: id, path: name))
    }

    private func complete(_ prepared: PreparedCampaign) throws(ValidationFailure) -> CampaignSpec {
        var contacts: [ContactSpec] = []
        let list = readContacts(of: prepared) { contacts.append($0) }
        let diagnostics = prepared.diagnostics + list.diagnostics
        guard diagnostics.isEmpty else { throw ValidationFailure(sortedByLine: diagnostics) }
        return CampaignSpec(
            id: prepared.id, sourceFile: prepared.sourceFile, settings: prepared.settings, contacts: contacts,
            duplicateCount: list.duplicateCount, contentHash: prepared.contentHash())
    }

    /// Why `id` cannot be a campaign id, or nil if it can.
    public static func problem(withID id: String) -> String? { idProblem(id) }

    private func prepareJSON(bytes: [UInt8], file: String, stem: String, path: String) throws(ValidationFailure) -> PreparedCampaign {
        let root: JSONNode
        do {
            root = try JSONParser.parse(bytes, file: file)
        } catch {
            throw ValidationFailure([Diagnostic(file: file, line: error.line, message: "invalid JSON: \(error.message)")])
        }
        return try prepareJSON(root: root, bytes: bytes, file: file, stem: stem, path: path)
    }

    private func prepareJSON(root: JSONNode, bytes: [UInt8], file: String, stem: String, path: String) throws(ValidationFailure) -> PreparedCampaign {
        var reader = JSONFieldReader()
        guard let pairs = reader.object(root, "") else { throw ValidationFailure(reader.diagnostics) }
        reader.checkKeys(root, path: "", allowed: Self.campaignOnlyKeys + CampaignSettings.keys)

        var id = stem
        if let node = root["id"], let value = reader.string(node, "id") {
            if let problem = Self.idProblem(value) { reader.fail(node, "id", problem) } else { id = value }
        } else if root["id"] == nil, let problem = Self.idProblem(stem) {
            reader.fail(root, "id", "no \"id\" and the file name cannot be one: \(problem)")
        }

        let settingsOnly = JSONNode(.object(pairs.filter { !Self.campaignOnlyKeys.contains($0.key) }), at: root.location)
        let merged = context.defaults.map { $0.merged(with: settingsOnly) } ?? settingsOnly
        let settings = CampaignSettings.read(from: merged, context: context, reader: &reader)
        var prepared = PreparedCampaign(
            id: id, sourceFile: path, settings: settings, diagnostics: [], fingerprintInputs: [bytes], contacts: .none)

        switch (root["contacts"], root["contactsFile"]) {
        case (.some, .some):
            reader.diagnostics.append(Diagnostic(at: root.location, message: "give either \"contacts\" or \"contactsFile\", not both"))
        case (nil, nil):
            reader.diagnostics.append(Diagnostic(at: root.location, message: "campaign has no contacts; add a \"contacts\" array or a \"contactsFile\""))
        case (.some(let node), nil):
            prepared.contacts = .inline(readInlineContacts(node, settings: settings))
        case (nil, .some(let node)):
            if let name = reader.string(node, "contactsFile") {
                let quoted = Diagnostic.excerpt(name)
                switch ConfinedPath.resolve(name, in: context.listsDirectory) {
                case .success(let listPath):
                    do {
                        try Self.checkReadable(listPath, name: name)
                        prepared.contacts = .csvFile(path: listPath, file: "lists/" + name)
                    } catch {
                        reader.fail(node, "contactsFile", "contacts file \(quoted) cannot be read (permissions?)")
                    }
                case .failure(.outside):
                    reader.fail(node, "contactsFile", "contacts file \(quoted) is outside \(context.listsFolderName); put the file there and name it relative to that folder")
                case .failure(.missing):
                    let listPath = name.hasPrefix("/") ? Diagnostic.cut(name) : context.listsDirectory + "/" + Diagnostic.cut(name)
                    reader.fail(node, "contactsFile", "contacts file \(quoted) does not exist (looked for \(listPath))")
                case .failure(.notARegularFile):
                    reader.fail(node, "contactsFile", "contacts file \(quoted) is not a regular file")
                }
            }
        }
        prepared.diagnostics = reader.diagnostics
        return prepared
    }

    private func contactReader(_ settings: CampaignSettings) -> ContactListReader {
        ContactListReader(
            normalizer: TargetNormalizer(defaultCountryCode: settings.defaultCountryCode),
            allowedCallers: context.dialoutAllowedCallers, connectCheck: ConnectHeaders.ContactCheck(settings))
    }

    private func readInlineContacts(_ node: JSONNode, settings: CampaignSettings) -> ContactListReader.Result {
        // Inline lists are small (they live in a JSON file), so they are collected, not streamed.
        var result = ContactListReader.Result()
        var reader = JSONFieldReader()
        guard case .array(let items) = node.value else {
            reader.fail(node, "contacts", "expected an array of contacts but found \(node.kindName)")
            result.diagnostics = reader.diagnostics
            return result
        }
        if items.isEmpty { reader.fail(node, "contacts", "campaign has no contacts (the array is empty)") }
        let normalizer = TargetNormalizer(defaultCountryCode: settings.defaultCountryCode)
        let connectCheck = ConnectHeaders.ContactCheck(settings)
        var seen = Set<String>()
        for (index, item) in items.enumerated() {
            let path = "contacts[\(index)]"
            guard reader.object(item, path) != nil else { continue }
            reader.checkKeys(item, path: path, allowed: ["target", "timezone", "caller", "notifyUrl", "metadata"], noun: "contact field")
            var contact = ContactSpec(target: "", line: item.location.line)
            var valid = true
            if let node = item["target"] {
                if let text = reader.string(node, path + ".target") {
                    switch normalizer.normalize(text) {
                    case .success(let target): contact.target = target.description
                    case .failure(let error): reader.fail(node, path + ".target", error.description); valid = false
                    }
                } else {
                    valid = false
                }
            } else {
                reader.fail(item, path, "contact has no \"target\"")
                valid = false
            }
            if let node = item["timezone"], let zone = reader.string(node, path + ".timezone") {
                if let problem = TimeZoneNames.problem(with: zone) {
                    reader.fail(node, path + ".timezone", problem)
                    valid = false
                } else {
                    contact.timezone = zone
                }
            }
            if let node = item["caller"], let caller = reader.string(node, path + ".caller") {
                switch CampaignSettings.normalizeCaller(caller) {
                case .success(let normalized) where context.dialoutAllowedCallers.isEmpty || context.dialoutAllowedCallers.contains(normalized):
                    contact.caller = normalized
                case .success:
                    reader.fail(node, path + ".caller", "caller \(Diagnostic.excerpt(caller)) is not in dialoutAllowedCallers")
                    valid = false
                case .failure(let error):
                    reader.fail(node, path + ".caller", error.description)
                    valid = false
                }
            }
            if let node = item["notifyUrl"], let url = reader.string(node, path + ".notifyUrl") {
                if CampaignSettings.isWebhookURL(url) {
                    contact.notifyUrl = url
                } else {
                    reader.fail(node, path + ".notifyUrl", "\(Diagnostic.excerpt(url)) is not an http:// or https:// URL")
                    valid = false
                }
            }
            if let node = item["metadata"], reader.object(node, path + ".metadata") != nil {
                contact.metadata = node.serialized
                if let problem = connectCheck?.problem(contactMetadata: contact.metadata, target: contact.target) {
                    reader.fail(node, path + ".metadata", problem)
                    valid = false
                }
            }
            guard valid else { continue }
            if seen.insert(contact.target).inserted {
                result.contacts.append(contact)
            } else {
                result.duplicateCount += 1
            }
        }
        result.diagnostics = reader.diagnostics
        return result
    }

    /// Why `id` cannot be a campaign id, or nil if it can: 1-64 of letters, digits, '.', '_', '-'.
    static func idProblem(_ id: String) -> String? {
        let allowed = id.unicodeScalars.allSatisfy {
            $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "." || $0 == "_" || $0 == "-")
        }
        guard !id.isEmpty, id.count <= 64, allowed, id.first != "." , id.first != "-" else {
            return "\(Diagnostic.excerpt(id)) is not a valid campaign id; use 1 to 64 letters, digits, '.', '_' or '-'"
        }
        return nil
    }
}

/// A campaign file read as far as its contacts: settings validated, contact rows not yet.
public struct PreparedCampaign: Sendable {
    public var id: String
    public var sourceFile: String
    public var settings: CampaignSettings
    /// Problems found so far (settings, id, the contacts file's presence).
    public var diagnostics: [Diagnostic]
    /// The campaign file's bytes (and contacts given as bytes): with a streamed contacts file
    /// (`csvFile`), what the fingerprint covers.
    var fingerprintInputs: [[UInt8]]
    var contacts: ContactSource

    enum ContactSource: Sendable {
        case none
        case inline(ContactListReader.Result)
        case csv(bytes: [UInt8], file: String)
        /// A contacts file read a chunk at a time when its rows are read; `file` names it in messages.
        case csvFile(path: String, file: String)
    }

    /// SHA-256 (hex) of the campaign file and its contacts file; re-importing the same content is a
    /// no-op. A streamed contacts file is read for it, a chunk at a time.
    public func contentHash() -> String {
        var hasher = SHA256()
        for bytes in fingerprintInputs { hasher.update(bytes) }
        if case .csvFile(let path, _) = contacts, let reader = FileChunkReader(path: path) {
            reader.observer = { hasher.update($0.bindMemory(to: UInt8.self)) }
            reader.drain()
        }
        return hex(hasher.finalize())
    }

    /// Whether the contacts are read from a file (a stream) rather than from memory.
    public var streamsContacts: Bool {
        if case .csvFile = contacts { return true }
        return false
    }

    public var header: CampaignHeader {
        CampaignHeader(id: id, sourceFile: sourceFile, settings: settings)
    }
}
