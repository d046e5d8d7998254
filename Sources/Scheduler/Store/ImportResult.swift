/// What `QueueStore.importCampaign` did.
public struct ImportResult: Sendable, Equatable {
    public var campaignID: String
    /// When the same content was imported before (then nothing else happened).
    public var alreadyImportedAt: String?
    public var campaignCreated = false
    public var contactsAdded = 0
    /// Targets the campaign already had from an earlier import.
    public var contactsAlreadyPresent = 0
    public var duplicatesInFile = 0
    /// New contacts whose target is on the DNC list; they are `skipped`.
    public var skippedDNC = 0

    public init(campaignID: String, duplicatesInFile: Int = 0) {
        self.campaignID = campaignID
        self.duplicatesInFile = duplicatesInFile
    }
}
