/// One number to call, normalised.
public struct ContactSpec: Sendable, Equatable {
    /// Canonical target: E.164 or a SIP URI.
    public var target: String
    public var timezone: String?
    public var caller: String?
    /// The contact's own webhook URL, used instead of the campaign's `notifyUrl`.
    public var notifyUrl: String?
    /// JSON object text of the contact's metadata.
    public var metadata: String
    /// Line of the contact in its source file.
    public var line: Int

    public init(target: String, timezone: String? = nil, caller: String? = nil, metadata: String = "{}", line: Int) {
        self.target = target
        self.timezone = timezone
        self.caller = caller
        self.metadata = metadata
        self.line = line
    }
}
