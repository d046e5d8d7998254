import Foundation

/// A regular file read front to back in chunks, so that a large contact list is never held whole.
///
/// Each chunk is shown to `observer` as it is read (the content hash is computed from exactly the
/// bytes that were parsed, even if the file changes while it is read).
final class FileChunkReader {
    static let defaultChunkSize = 1 << 20

    /// Bytes per read: a megabyte; tests make it tiny to split records at every byte.
    let chunkSize: Int
    private let fd: Int32
    /// Set when a read failed (not at the end of the file): the caller reports the file as unreadable.
    private(set) var failed = false
    private(set) var atEnd = false
    var observer: ((UnsafeRawBufferPointer) -> Void)?

    /// Opens `path`, or nil if it cannot be opened or is not a regular file.
    init?(path: String, chunkSize: Int = FileChunkReader.defaultChunkSize) {
        self.chunkSize = chunkSize
        // O_NONBLOCK: a FIFO dropped in place of a file must not block the open; fstat then rejects it.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            return nil
        }
        self.fd = fd
    }

    deinit {
        close(fd)
    }

    /// Appends up to `chunkSize` more bytes to `buffer`; returns how many (0 at the end or on failure).
    @discardableResult
    func read(appendingTo buffer: inout [UInt8]) -> Int {
        guard !atEnd else { return 0 }
        var got = 0
        let chunk = [UInt8](unsafeUninitializedCapacity: chunkSize) { bytes, count in
            while true {
                let result = Glibc.read(fd, bytes.baseAddress!, chunkSize)
                if result < 0, errno == EINTR { continue }
                got = result
                break
            }
            count = max(got, 0)
        }
        guard got > 0 else {
            failed = got < 0
            atEnd = true
            return 0
        }
        chunk.withUnsafeBytes { bytes in
            observer?(bytes)
            buffer.append(contentsOf: bytes.bindMemory(to: UInt8.self))
        }
        return got
    }

    /// Reads the whole file through `observer` without keeping it (the content hash of a file not parsed here).
    func drain() {
        var scratch: [UInt8] = []
        while read(appendingTo: &scratch) > 0 { scratch.removeAll(keepingCapacity: true) }
    }

    /// Whether the file at `path` holds only spaces, tabs and line ends (or just a UTF-8 byte order
    /// mark); reads only as far as the first other byte. Nil if it cannot be read.
    static func isBlank(path: String) -> Bool? {
        guard let reader = FileChunkReader(path: path) else { return nil }
        var buffer: [UInt8] = []
        reader.read(appendingTo: &buffer)
        while buffer.count < 4, reader.read(appendingTo: &buffer) > 0 {}
        if reader.failed { return nil }
        if buffer == [0xEF, 0xBB, 0xBF] { return true }
        while true {
            for byte in buffer where !(byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09) { return false }
            buffer.removeAll(keepingCapacity: true)
            if reader.read(appendingTo: &buffer) == 0 { return reader.failed ? nil : true }
        }
    }
}
