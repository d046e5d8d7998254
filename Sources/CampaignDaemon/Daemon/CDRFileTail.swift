import Foundation

/// Reads the CDR files (`cdr-YYYY-MM-DD.jsonl`, one JSON object per line) as they grow: what
/// `campaignd cdr [--follow]` prints and `GET /v1/cdrs[?follow=true]` streams.
enum CDRFileTail {
    /// The CDR files in `directory`, oldest first (their names sort by day).
    static func files(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasPrefix("cdr-") && $0.hasSuffix(".jsonl") }.sorted()
    }

    /// Whole lines added to the CDR files since `offsets` (file name → bytes read), oldest file first.
    static func readNewLines(in directory: String, offsets: inout [String: UInt64]) -> [Data.SubSequence] {
        var lines: [Data.SubSequence] = []
        for file in files(in: directory) {
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

    /// The newest `count` whole lines that `accepts` takes, oldest first, read backwards from the
    /// end of the newest file in blocks of `blockSize` bytes until there are enough: the console
    /// asks for a campaign's last 20 CDRs every 2 s, and the files hold every CDR ever written. Also
    /// where `readNewLines` goes on from (each file's end of its whole lines; older files are
    /// complete, since the day of the file written to never goes back).
    static func readLastLines(in directory: String, count: Int, blockSize: Int = 65_536,
                              accepts: (Data) -> Bool) -> (lines: [Data], offsets: [String: UInt64]) {
        var newestFirst: [Data] = []
        var offsets: [String: UInt64] = [:]
        for file in files(in: directory).reversed() {
            let path = directory + "/" + file
            let end: UInt64
            if newestFirst.count >= count {
                end = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.uint64Value ?? 0
            } else {
                guard let handle = FileHandle(forReadingAtPath: path) else { continue }
                defer { try? handle.close() }
                end = lastLines(of: handle, count: count, blockSize: blockSize, accepts: accepts, into: &newestFirst)
            }
            if end > 0 { offsets[file] = end }
        }
        return (newestFirst.reversed(), offsets)
    }

    /// Adds the whole lines of `handle`'s file that `accepts` takes to `found`, newest first, until
    /// it holds `count`; returns the end of the file's last whole line.
    private static func lastLines(of handle: FileHandle, count: Int, blockSize: Int, accepts: (Data) -> Bool,
                                  into found: inout [Data]) -> UInt64 {
        guard let size = try? handle.seekToEnd() else { return 0 }
        // The file's bytes [start, start + buffer.count) are in `buffer`; its first `unsplit` bytes
        // hold lines not looked at yet (the last of them ends with a newline, the first may begin
        // before `start`).
        var buffer = Data()
        var start = size
        var unsplit = 0
        var wholeLinesEnd: UInt64?
        while true {
            if wholeLinesEnd != nil {
                while unsplit > 0, found.count < count {
                    let lineEnd = buffer.startIndex + unsplit - 1
                    let previous = lastNewline(in: buffer, before: lineEnd)
                    if previous == nil, start > 0 { break }  // the line began before the buffer
                    let lineStart = previous.map { $0 + 1 } ?? buffer.startIndex
                    let line = buffer[lineStart..<lineEnd]
                    if !line.isEmpty, accepts(line) { found.append(Data(line)) }
                    unsplit = lineStart - buffer.startIndex
                }
                if found.count >= count || start == 0 { break }
            } else if start == 0 {
                wholeLinesEnd = 0  // not one newline: nothing whole yet
                break
            }
            let length = Int(min(UInt64(blockSize), start))
            start -= UInt64(length)
            guard (try? handle.seek(toOffset: start)) != nil, let block = try? handle.read(upToCount: length), block.count == length else {
                break
            }
            buffer = block + buffer.prefix(wholeLinesEnd == nil ? buffer.count : unsplit)
            unsplit = wholeLinesEnd == nil ? 0 : unsplit + length
            if wholeLinesEnd == nil, let newline = lastNewline(in: buffer, before: buffer.endIndex) {
                // A line still being written after the last newline is left for `readNewLines`.
                unsplit = newline - buffer.startIndex + 1
                wholeLinesEnd = start + UInt64(unsplit)
            }
        }
        return wholeLinesEnd ?? 0
    }

    /// The index of the last newline in `data` before `end`.
    private static func lastNewline(in data: Data, before end: Data.Index) -> Data.Index? {
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> Data.Index? in
            var offset = end - data.startIndex - 1
            while offset >= 0 {
                if bytes[offset] == 0x0A { return data.startIndex + offset }
                offset -= 1
            }
            return nil
        }
    }
}
