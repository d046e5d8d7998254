/// One problem found in a campaign, contact list, DNC list or configuration file.
///
/// Rendered as `FILE:LINE: PATH: message` (path only for JSON), the form compilers use, so
/// editors and `grep` can jump to it.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    /// JSON path such as `contacts[3].target`, or the CSV column name.
    public var path: String?
    public var message: String
    /// The field a CSV row's problem is about (`target`, `timezone`, `caller`, `notifyUrl`); not
    /// printed, the message names it already. The HTTP API reports it.
    public var field: String?

    public init(file: String, line: Int?, path: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.path = path
        self.message = message
    }

    public init(at location: SourceLocation, path: String? = nil, message: String) {
        self.init(file: location.file, line: location.line, path: path, message: message)
    }

    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if let path, !path.isEmpty { text += path + ": " }
        return text + message
    }
}

/// Thrown when a file has one or more problems; it lists every one of them.
public struct ValidationFailure: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    /// Orders `diagnostics` by line within each file, files in the order they first appear.
    public init(sortedByLine diagnostics: [Diagnostic]) {
        var fileOrder: [String: Int] = [:]
        for diagnostic in diagnostics where fileOrder[diagnostic.file] == nil {
            fileOrder[diagnostic.file] = fileOrder.count
        }
        self.diagnostics = diagnostics.enumerated().sorted { a, b in
            let keyA = (fileOrder[a.element.file] ?? 0, a.element.line ?? Int.max, a.offset)
            let keyB = (fileOrder[b.element.file] ?? 0, b.element.line ?? Int.max, b.offset)
            return keyA < keyB
        }.map(\.element)
    }

    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}
