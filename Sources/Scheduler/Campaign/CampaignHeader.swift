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
