import Foundation
import Glibc

/// The CDR files of one directory, `cdr-YYYY-MM-DD.jsonl`, at the level of bytes: appending whole
/// lines (a failed append leaves nothing of itself behind), cutting a torn last line, and reading
/// the sequence number of a file's last complete line.
///
/// Not `Sendable`: `CDRWriter` uses it under its lock.
final class CDRFile {
    let directory: String
    private var descriptor: Int32 = -1
    private var openDay: String?

    init(directory: String) throws(CDRWriterError) {
        self.directory = directory
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .cannotCreateDirectory(path: directory, errno: (error as NSError).code == 0 ? EIO : Int32((error as NSError).code))
        }
    }

    deinit {
        close()
    }

    static func fileName(forDay day: String) -> String { "cdr-\(day).jsonl" }

    /// Closes the open file; the next append opens it again by name (after logrotate moved it).
    func close() {
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
        descriptor = -1
        openDay = nil
    }

    /// Appends `text` (whole lines, each ending in a newline) to the file of `day` in one write. If the
    /// write fails or is cut short (a full disk), the file is cut back to its size before it.
    func append(_ text: [UInt8], day: String) throws(CDRWriterError) {
        let path = directory + "/" + Self.fileName(forDay: day)
        if openDay != day || descriptor < 0 {
            close()
            let opened = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard opened >= 0 else { throw .cannotOpen(path: path, errno: errno) }
            descriptor = opened
            openDay = day
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .cannotWrite(path: path, errno: errno) }
        let before = status.st_size
        var written = 0
        while written < text.count {
            let result = text.withUnsafeBytes { bytes in
                Glibc.write(descriptor, bytes.baseAddress! + written, bytes.count - written)
            }
            if result < 0, errno == EINTR { continue }
            guard result > 0 else {
                let code = result < 0 ? errno : ENOSPC
                // Nothing of a failed append stays: no torn line for a reader to trip on.
                _ = ftruncate(descriptor, before)
                close()
                throw .cannotWrite(path: path, errno: code)
            }
            written += result
        }
    }

    /// Flushes the open file to the disk (before the database records that it holds the lines).
    func sync() throws(CDRWriterError) {
        guard descriptor >= 0 else { return }
        guard fsync(descriptor) == 0 else {
            throw .cannotWrite(path: directory + "/" + Self.fileName(forDay: openDay ?? ""), errno: errno)
        }
    }

    /// What `repair()` found.
    struct Repair {
        /// The highest `cdrSeq` on the last complete line of any file (nil: none carries one).
        var lastSeq: Int64?
        /// The day of the file holding `lastSeq`.
        var lastDay: String?
        /// Files whose torn last line was cut, with the bytes cut.
        var cut: [(file: String, bytes: Int64)] = []
    }

    /// Cuts every file back to its last complete line (a crash or a full disk may have left part of
    /// one) and finds the last sequence number written.
    func repair() throws(CDRWriterError) -> Repair {
        close()
        var repair = Repair()
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasPrefix("cdr-") && $0.hasSuffix(".jsonl") }.sorted()
        for name in names {
            let path = directory + "/" + name
            let fd = Glibc.open(path, O_RDWR | O_CLOEXEC)
            guard fd >= 0 else { throw .cannotOpen(path: path, errno: errno) }
            defer { _ = Glibc.close(fd) }
            var status = stat()
            guard fstat(fd, &status) == 0 else { throw .cannotRepair(path: path, errno: errno) }
            let size = Int64(status.st_size)
            let lastNewline = try Self.lastNewline(fd, before: size, path: path)
            let keep = lastNewline.map { $0 + 1 } ?? 0
            if keep < size {
                guard ftruncate(fd, off_t(keep)) == 0 else { throw .cannotRepair(path: path, errno: errno) }
                repair.cut.append((name, size - keep))
            }
            guard let lastNewline else { continue }
            let start = try Self.lastNewline(fd, before: lastNewline, path: path).map { $0 + 1 } ?? 0
            var prefix = [UInt8](repeating: 0, count: Int(min(64, lastNewline - start)))
            let read = prefix.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(start)) }
            guard read >= 0 else { throw .cannotRepair(path: path, errno: errno) }
            if let seq = Self.sequenceNumber(ofLineStart: prefix.prefix(read)), seq > (repair.lastSeq ?? 0) {
                repair.lastSeq = seq
                repair.lastDay = String(name.dropFirst(4).dropLast(6))
            }
        }
        return repair
    }

    /// The offset of the last newline before `end`, reading backwards in blocks.
    private static func lastNewline(_ fd: Int32, before end: Int64, path: String) throws(CDRWriterError) -> Int64? {
        var block = [UInt8](repeating: 0, count: 65_536)
        var position = end
        while position > 0 {
            let length = Int(min(Int64(block.count), position))
            position -= Int64(length)
            let read = block.withUnsafeMutableBytes { pread(fd, $0.baseAddress, length, off_t(position)) }
            guard read == length else { throw .cannotRepair(path: path, errno: read < 0 ? errno : EIO) }
            if let index = block[0..<length].lastIndex(of: 0x0A) { return position + Int64(index) }
        }
        return nil
    }

    private static let linePrefix = Array(#"{"outboundCall":true,"cdrSeq":"#.utf8)

    /// The `cdrSeq` of a line from its first bytes (`CDRRecord.jsonLine` writes it second); nil for
    /// lines written before sequence numbers.
    static func sequenceNumber<Bytes: Collection>(ofLineStart bytes: Bytes) -> Int64? where Bytes.Element == UInt8 {
        guard bytes.starts(with: linePrefix) else { return nil }
        var value: Int64 = 0
        var digits = 0
        for byte in bytes.dropFirst(linePrefix.count) {
            guard byte >= 0x30, byte <= 0x39 else { break }
            guard digits < 18 else { return nil }
            value = value * 10 + Int64(byte - 0x30)
            digits += 1
        }
        return digits > 0 ? value : nil
    }
}
