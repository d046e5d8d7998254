import Foundation

/// Appends CDRs as JSON Lines to `DIR/cdr-YYYY-MM-DD.jsonl` (UTC day of the call's end): one
/// write per line, so a reader tailing the file never sees half a record. `reopen()` (on SIGHUP)
/// lets logrotate move the file away.
// @unchecked Sendable: `lock` guards `handle` and `openDay`.
public final class CDRWriter: @unchecked Sendable {
    public let directory: String
    private let lock = NSLock()
    private var handle: FileHandle?
    private var openDay: String?

    public init(directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    deinit {
        try? handle?.close()
    }

    public static func fileName(forDay day: String) -> String { "cdr-\(day).jsonl" }

    public func append(_ record: CDRRecord) throws {
        let day = String(Timestamp.iso8601(record.disconnectTime).prefix(10))
        let line = Data((record.jsonLine + "\n").utf8)
        try lock.withLock {
            if openDay != day || handle == nil {
                try handle?.close()
                let path = directory + "/" + Self.fileName(forDay: day)
                if !FileManager.default.fileExists(atPath: path) {
                    _ = FileManager.default.createFile(atPath: path, contents: nil)
                }
                let opened = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
                try opened.seekToEnd()
                handle = opened
                openDay = day
            }
            try handle?.write(contentsOf: line)
        }
    }

    /// Closes the current file; the next record opens it again by name (after logrotate moved it).
    public func reopen() {
        lock.withLock {
            try? handle?.close()
            handle = nil
        }
    }
}
