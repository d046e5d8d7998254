import Telephony

/// Version 4 (random) UUIDs in lower-case text, for CDR and conversation ids (RFC 9562 §5.4).
/// Foundation's `UUID()` opens /dev/urandom for every id; this takes its bytes from `RandomBytes`,
/// which matters when thousands of attempts start per second.
enum RandomUUID {
    static func string() -> String {
        var bytes = RandomBytes.bytes(16)
        bytes[6] = bytes[6] & 0x0F | 0x40  // version 4
        bytes[8] = bytes[8] & 0x3F | 0x80  // variant 10
        let digits = Array(hex(bytes).utf8)
        let groups = [digits[0..<8], digits[8..<12], digits[12..<16], digits[16..<20], digits[20..<32]]
        return String(decoding: Array(groups.joined(separator: [UInt8(ascii: "-")])), as: UTF8.self)
    }
}
