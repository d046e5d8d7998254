import Foundation

/// Reads a do-not-call list: a CSV with a `target` (or `phone`, `to`, `number`) column, or a plain
/// list with one number per line. Any bad number fails the whole file.
public struct DNCListReader: Sendable {
    public var normalizer: TargetNormalizer

    public init(normalizer: TargetNormalizer) {
        self.normalizer = normalizer
    }

    /// The normalised, de-duplicated targets of the file at `path`.
    public func read(path: String) throws(ValidationFailure) -> [String] {
        let file = (path as NSString).lastPathComponent
        let bytes = try CampaignLoader.readFile(path, name: file)
        var diagnostics: [Diagnostic] = []
        var targets: [String] = []
        var seen = Set<String>()
        do throws(CSVReader.SyntaxError) {
            var csv = try CSVReader(bytes: bytes)
            var record = try csv.next()
            if let first = record {
                let lowered = first.fields.map { $0.trimmingWhitespace().lowercased() }
                let headerColumn = lowered.firstIndex { ContactListReader.targetAliases.contains($0) }
                let column = headerColumn ?? 0
                if headerColumn != nil { record = try csv.next() }
                while let current = record {
                    if column < current.fields.count {
                        switch normalizer.normalize(current.fields[column]) {
                        case .success(let target):
                            if seen.insert(target.description).inserted { targets.append(target.description) }
                        case .failure(let error):
                            if diagnostics.count < ContactListReader.diagnosticLimit {
                                diagnostics.append(Diagnostic(file: file, line: current.line, message: error.description))
                            }
                        }
                    } else {
                        diagnostics.append(Diagnostic(file: file, line: current.line, message: "row has no field \(column + 1)"))
                    }
                    record = try csv.next()
                }
            } else {
                diagnostics.append(Diagnostic(file: file, line: nil, message: "file is empty"))
            }
        } catch {
            diagnostics.append(Diagnostic(file: file, line: error.line, message: error.message))
        }
        guard diagnostics.isEmpty else { throw ValidationFailure(diagnostics) }
        return targets
    }
}
