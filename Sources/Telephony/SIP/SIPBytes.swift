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

    @inline(__always) static func firstIndex(of byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Int? {
        var index = lo
        while index < hi {
            if bytes[index] == byte { return index }
            index += 1
        }
        return nil
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
