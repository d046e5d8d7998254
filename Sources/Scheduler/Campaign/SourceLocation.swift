/// Where a value came from: a file and a 1-based line, for error messages an operator can act on.
public struct SourceLocation: Sendable, Hashable {
    public var file: String
    public var line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }
}
