import Telephony

/// Version 4 (random) UUIDs in lower-case text, for CDR and conversation ids (RFC 9562 §5.4).
/// Foundation's `UUID()` opens /dev/urandom for every id; this takes its bytes from `RandomBytes`,
/// which matters when thousands of attempts start per second.
enum RandomUUID {
    static func string() -> String {
        var bytes: (UInt64, UInt64) = RandomBytes.with(16) { buffer in
            let raw = UnsafeRawBufferPointer(buffer)
            return (raw.loadUnaligned(as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        }
        return withUnsafeMutableBytes(of: &bytes) { raw in
            raw[6] = raw[6] & 0x0F | 0x40  // version 4
            raw[8] = raw[8] & 0x3F | 0x80  // variant 10
            let digits: StaticString = "0123456789abcdef"
            return String(unsafeUninitializedCapacity: 36) { text in
                var out = 0
                for index in 0..<16 {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        text[out] = UInt8(ascii: "-")
                        out += 1
                    }
                    text[out] = digits.utf8Start[Int(raw[index] >> 4)]
                    text[out + 1] = digits.utf8Start[Int(raw[index] & 0x0F)]
                    out += 2
                }
                return out
            }
        }
    }
}
