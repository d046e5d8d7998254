extension Diagnostic {
    /// How many characters of a value a message shows before cutting it.
    static let excerptLength = 40

    /// `value` quoted for a message, cut when long: `"+1555…" (10,485,760 characters)`.
    ///
    /// Every message that echoes input goes through here, so a 10 MB field costs a 60-byte
    /// message, not a 10 MB one (and not 1,000 of them in a report).
    public static func excerpt(_ value: some StringProtocol) -> String {
        guard isLong(value) else { return "\"" + value + "\"" }
        return "\"" + String(value.prefix(excerptLength)) + "…\" (\(grouped(value.count)) characters)"
    }

    /// `value` unquoted, cut to `excerptLength` characters and `…` when long (for JSON paths).
    public static func cut(_ value: some StringProtocol) -> String {
        isLong(value) ? String(value.prefix(excerptLength)) + "…" : String(value)
    }

    /// `value` as written when short (a number: `900`), else as `excerpt` gives it.
    public static func literal(_ value: some StringProtocol) -> String {
        isLong(value) ? excerpt(value) : String(value)
    }

    private static func isLong(_ value: some StringProtocol) -> Bool {
        // Counting characters walks the whole string; the byte count settles most values at once.
        value.utf8.count > excerptLength && value.count > excerptLength
    }

    /// `10485760` as `10,485,760`, whatever the locale (messages are the same on every machine).
    static func grouped(_ number: Int) -> String {
        let digits = Array(String(number.magnitude))
        var text = number < 0 ? "-" : ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { text.append(",") }
            text.append(digit)
        }
        return text
    }
}
