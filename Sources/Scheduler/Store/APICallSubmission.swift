/// One call posted through the HTTP API: a contact for a campaign that exists, or for a campaign
/// the API makes on first use (the built-in `api` campaign, or one per distinct set of settings).
public struct APICallSubmission: Sendable {
    public var campaignID: String
    /// The campaign to create when it does not exist yet; nil: it must exist.
    public var createWith: CampaignSettings?
    public var contact: ContactSpec

    public init(campaignID: String, createWith: CampaignSettings?, contact: ContactSpec) {
        self.campaignID = campaignID
        self.createWith = createWith
        self.contact = contact
    }
}
