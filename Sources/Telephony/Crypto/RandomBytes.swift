import Foundation
import Glibc

/// Cryptographically random bytes for Call-IDs, tags, branches and ids, read from the kernel
/// (/dev/urandom) 4 KB at a time: a call needs about 70 random bytes, and one system call each
/// (what `SystemRandomNumberGenerator` costs) was ten system calls per call.
public enum RandomBytes {
    // @unchecked Sendable: `lock` guards `buffer`, `used` and `fd`.
    private final class Source: @unchecked Sendable {
        let lock = NSLock()
        var buffer = [UInt8](repeating: 0, count: 4096)
        var used = 4096
        var fd: Int32 = -1
    }

    private static let source = Source()

    /// `count` random bytes.
    public static func bytes(_ count: Int) -> [UInt8] {
        precondition(count <= 256, "RandomBytes serves small ids")
        return source.lock.withLock {
            if source.used + count > source.buffer.count { refill() }
            // Bytes handed out are never handed out again.
            defer { source.used += count }
            return Array(source.buffer[source.used..<source.used + count])
        }
    }

    /// Lower-case hex of `count` random bytes.
    public static func hex(_ count: Int) -> String {
        Telephony.hex(bytes(count))
    }

    /// Called with the lock held.
    private static func refill() {
        if source.fd < 0 { source.fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC) }
        var filled = 0
        if source.fd >= 0 {
            filled = source.buffer.withUnsafeMutableBytes { raw in
                var total = 0
                while total < raw.count {
                    let count = read(source.fd, raw.baseAddress! + total, raw.count - total)
                    if count < 0, errno == EINTR { continue }
                    if count <= 0 { break }
                    total += count
                }
                return total
            }
        }
        if filled < source.buffer.count {
            // No /dev/urandom (a chroot): the system generator, eight bytes at a time.
            var generator = SystemRandomNumberGenerator()
            var offset = filled
            while offset < source.buffer.count {
                withUnsafeBytes(of: generator.next()) { word in
                    for byte in word where offset < source.buffer.count {
                        source.buffer[offset] = byte
                        offset += 1
                    }
                }
            }
        }
        source.used = 0
    }
}
