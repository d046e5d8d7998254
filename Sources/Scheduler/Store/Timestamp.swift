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
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
            parts.tm_hour, parts.tm_min, parts.tm_sec, millis)
    }
}

extension Int64 {
    /// Division rounding toward negative infinity, so times before 1970 still print correctly.
    func quotient(dividingBy divisor: Int64) -> Int64 {
        let q = self / divisor
        return (self % divisor < 0) ? q - 1 : q
    }
}
