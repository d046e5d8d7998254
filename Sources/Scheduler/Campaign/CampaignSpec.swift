/// A validated campaign, ready to import: settings, normalised contacts and a content fingerprint.
public struct CampaignSpec: Sendable {
    public var id: String
    /// The file it was read from, as given.
    public var sourceFile: String
    public var settings: CampaignSettings
    public var contacts: [ContactSpec]
    /// Rows whose target repeated an earlier row's; they were dropped, not imported twice.
    public var duplicateCount: Int
    /// SHA-256 of the campaign file (and its contacts file), hex; re-importing the same content is a no-op.
    public var contentHash: String

    public init(
        id: String, sourceFile: String, settings: CampaignSettings, contacts: [ContactSpec],
        duplicateCount: Int, contentHash: String
    ) {
        self.id = id
        self.sourceFile = sourceFile
        self.settings = settings
        self.contacts = contacts
        self.duplicateCount = duplicateCount
        self.contentHash = contentHash
    }
}

extension CampaignSpec {
    /// Everything about the campaign except its contacts.
    public var header: CampaignHeader {
        CampaignHeader(id: id, sourceFile: sourceFile, settings: settings)
    }
}

/// A campaign's identity and settings, known before its contacts are read.
public struct CampaignHeader: Sendable {
    public var id: String
    public var sourceFile: String
    public var settings: CampaignSettings

    public init(id: String, sourceFile: String, settings: CampaignSettings) {
        self.id = id
        self.sourceFile = sourceFile
        self.settings = settings
    }
}

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
