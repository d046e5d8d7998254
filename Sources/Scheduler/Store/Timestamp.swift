import Foundation

/// Times in the store are Unix milliseconds; text columns and CDRs use ISO 8601 UTC with milliseconds.
public enum Timestamp {
    public static func nowMs() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }

    /// `2026-11-21T17:05:01.123Z`
    public static func iso8601(_ ms: Int64) -> String {
        var seconds = time_t(ms.quotient(dividingBy: 1000))
        let millis = Int32(ms - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        // Written digit by digit: String(format:) cost more than the rest of a CDR line.
        var text = [UInt8](repeating: 0, count: 24)
        func put(_ value: Int32, at index: Int, digits: Int) {
            var rest = value
            for position in stride(from: index + digits - 1, through: index, by: -1) {
                text[position] = UInt8(48 + rest % 10)
                rest /= 10
            }
        }
        put(parts.tm_year + 1900, at: 0, digits: 4)
        text[4] = 45  // -
        put(parts.tm_mon + 1, at: 5, digits: 2)
        text[7] = 45
        put(parts.tm_mday, at: 8, digits: 2)
        text[10] = 84  // T
        put(parts.tm_hour, at: 11, digits: 2)
        text[13] = 58  // :
        put(parts.tm_min, at: 14, digits: 2)
        text[16] = 58
        put(parts.tm_sec, at: 17, digits: 2)
        text[19] = 46  // .
        put(millis, at: 20, digits: 3)
        text[23] = 90  // Z
        return String(decoding: text, as: UTF8.self)
    }
}

extension Int64 {
    /// Division rounding toward negative infinity, so times before 1970 still print correctly.
    func quotient(dividingBy divisor: Int64) -> Int64 {
        let q = self / divisor
        return (self % divisor < 0) ? q - 1 : q
    }
}
