import Foundation

/// Reads the CDR files (`cdr-YYYY-MM-DD.jsonl`, one JSON object per line) as they grow: what
/// `campaignd cdr [--follow]` prints and `GET /v1/cdrs[?follow=true]` streams.
enum CDRFileTail {
    /// Whole lines added to the CDR files since `offsets` (file name → bytes read), oldest file first.
    static func readNewLines(in directory: String, offsets: inout [String: UInt64]) -> [Data.SubSequence] {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasPrefix("cdr-") && $0.hasSuffix(".jsonl") }.sorted()
        var lines: [Data.SubSequence] = []
        for file in files {
            guard let handle = FileHandle(forReadingAtPath: directory + "/" + file) else { continue }
            let start = offsets[file] ?? 0
            try? handle.seek(toOffset: start)
            let data = (try? handle.readToEnd()) ?? Data()
            try? handle.close()
            // Only whole lines; a line still being written is read next time.
            guard let lastNewline = data.lastIndex(of: 0x0A) else { continue }
            let complete = data[data.startIndex...lastNewline]
            offsets[file] = start + UInt64(complete.count)
            lines += complete.split(separator: 0x0A)
        }
        return lines
    }
}
