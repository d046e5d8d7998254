#if canImport(Glibc)
import Glibc
#endif

/// Byte-level scanning for the SIP parsers. SIP's delimiters are all ASCII, so looking for them in
/// the UTF-8 bytes finds the same places as walking `Character`s, without grapheme breaking or a
/// `String` per step; text is only made into `String`s once its bounds are known.
enum SIPBytes {
    @inline(__always) static func isLWS(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }

    /// `lo..<hi` without the LWS at either end.
    @inline(__always) static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> (Int, Int) {
        var lo = lo, hi = hi
        while lo < hi, isLWS(bytes[lo]) { lo += 1 }
        while hi > lo, isLWS(bytes[hi - 1]) { hi -= 1 }
        return (lo, hi)
    }

    static func string(_ bytes: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[lo..<hi]), as: UTF8.self)
    }

    static func trimmedString(_ bytes: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> String {
        let (lo, hi) = trimmed(bytes, lo, hi)
        return string(bytes, lo, hi)
    }

    /// The text lower-cased: ASCII by byte, anything else through `lowercased()`.
    static func lowercasedString(_ bytes: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> String {
        var index = lo
        while index < hi, bytes[index] < 0x80, !(0x41...0x5A).contains(bytes[index]) { index += 1 }
        if index == hi { return string(bytes, lo, hi) }
        if bytes[lo..<hi].contains(where: { $0 >= 0x80 }) { return string(bytes, lo, hi).lowercased() }
        return String(unsafeUninitializedCapacity: hi - lo) { buffer in
            for offset in 0..<(hi - lo) {
                let byte = bytes[lo + offset]
                buffer[offset] = (0x41...0x5A).contains(byte) ? byte + 0x20 : byte
            }
            return hi - lo
        }
    }

    /// The first `byte` in `lo..<hi`, found with `memchr` (many bytes per step: a 64 KB line is
    /// searched in a few microseconds).
    @inline(__always) static func firstIndex(of byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Int? {
        guard lo < hi, let base = bytes.baseAddress else { return nil }
        guard let found = memchr(base + lo, Int32(byte), hi - lo) else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    /// Where the line starting at `lo` ends: the first CR or LF before `hi`, else `hi`. Eight bytes
    /// at a time, and never past the line end (two `memchr`s would be quadratic over bare-CR lines).
    @inline(__always) static func lineEnd(_ bytes: UnsafeBufferPointer<UInt8>, from lo: Int, _ hi: Int) -> Int {
        guard lo < hi, let base = bytes.baseAddress else { return hi }
        var index = lo
        while index + 8 <= hi {
            let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            // A zero byte in word ^ 0x0A… or word ^ 0x0D… is an LF or a CR (the classic has-zero test).
            let lf = word ^ 0x0A0A_0A0A_0A0A_0A0A, cr = word ^ 0x0D0D_0D0D_0D0D_0D0D
            let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
            if ((lf &- ones) & ~lf | (cr &- ones) & ~cr) & highs != 0 { break }
            index += 8
        }
        while index < hi, bytes[index] != 0x0A, bytes[index] != 0x0D { index += 1 }
        return index
    }

    /// How many `,` and `;` are in `lo..<hi`, eight bytes at a time (a `memchr` per separator costs
    /// more than the bytes between them when they are dense); stops counting once past `limit`.
    static func separatorCount(_ bytes: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int, limit: Int) -> Int {
        guard lo < hi, let base = bytes.baseAddress else { return 0 }
        @inline(__always) func zeroBytes(_ word: UInt64) -> Int {
            // Exactly the zero bytes of `word` get their high bit set (no borrow between bytes).
            // Summed by one multiply: `popcnt` is not in the baseline x86-64 the release is built for.
            let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
            let ones = (~(((word & low) &+ low) | word | low)) >> 7
            return Int((ones &* 0x0101_0101_0101_0101) >> 56)
        }
        var count = 0
        var index = lo
        while index + 8 <= hi, count <= limit {
            let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            count += zeroBytes(word ^ 0x2C2C_2C2C_2C2C_2C2C) + zeroBytes(word ^ 0x3B3B_3B3B_3B3B_3B3B)
            index += 8
        }
        if count > limit { return count }
        while index < hi {
            if bytes[index] == UInt8(ascii: ",") || bytes[index] == UInt8(ascii: ";") { count += 1 }
            index += 1
        }
        return count
    }

    /// Whether any byte in `lo..<hi` is 0x80 or above (not ASCII), eight bytes at a time.
    static func containsNonASCII(_ bytes: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Bool {
        guard lo < hi, let base = bytes.baseAddress else { return false }
        var index = lo
        while index + 8 <= hi {
            if UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return true }
            index += 8
        }
        while index < hi {
            if bytes[index] >= 0x80 { return true }
            index += 1
        }
        return false
    }

    @inline(__always) static func lastIndex(of byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Int? {
        var index = hi
        while index > lo {
            index -= 1
            if bytes[index] == byte { return index }
        }
        return nil
    }

    /// Whether `lo..<hi` equals `ascii`, ignoring ASCII case.
    static func equalsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int, _ ascii: StaticString) -> Bool {
        guard hi - lo == ascii.utf8CodeUnitCount else { return false }
        let expected = ascii.utf8Start
        for offset in 0..<(hi - lo) where lowered(bytes[lo + offset]) != lowered(expected[offset]) { return false }
        return true
    }

    @inline(__always) static func lowered(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
    }

    /// A non-negative decimal number of at most 9 digits in `lo..<hi`, else nil.
    static func decimal(_ bytes: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Int? {
        guard hi > lo, hi - lo <= 9 else { return nil }
        var value = 0
        for index in lo..<hi {
            let digit = bytes[index] &- 0x30
            guard digit <= 9 else { return nil }
            value = value * 10 + Int(digit)
        }
        return value
    }
}

extension StringProtocol {
    /// Runs `body` on the text's UTF-8 bytes; native strings and their substrings are not copied.
    func withSIPBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        if let result = try utf8.withContiguousStorageIfAvailable(body) { return result }
        return try Array(utf8).withUnsafeBufferPointer(body)
    }
}
