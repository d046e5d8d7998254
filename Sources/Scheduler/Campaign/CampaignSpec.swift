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
