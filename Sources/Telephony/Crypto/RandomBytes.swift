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

    /// `count` random bytes, passed to `body`.
    public static func with<Result>(_ count: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        precondition(count <= 256, "RandomBytes serves small ids")
        var bytes = [UInt8](repeating: 0, count: count)
        source.lock.withLock {
            if source.used + count > source.buffer.count { refill() }
            bytes.withUnsafeMutableBufferPointer { out in
                for offset in 0..<count { out[offset] = source.buffer[source.used + offset] }
            }
            // Bytes handed out are never handed out again.
            source.used += count
        }
        return bytes.withUnsafeBufferPointer(body)
    }

    /// Lower-case hex of `count` random bytes.
    public static func hex(_ count: Int) -> String {
        with(count) { bytes in
            let digits: StaticString = "0123456789abcdef"
            return String(unsafeUninitializedCapacity: count * 2) { text in
                for (index, byte) in bytes.enumerated() {
                    text[2 * index] = digits.utf8Start[Int(byte >> 4)]
                    text[2 * index + 1] = digits.utf8Start[Int(byte & 0x0F)]
                }
                return count * 2
            }
        }
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
