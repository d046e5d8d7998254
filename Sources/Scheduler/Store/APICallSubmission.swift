/// One call posted through the HTTP API: a contact for a campaign that exists, or for a campaign
/// the API makes on first use (the built-in `api` campaign, or one per distinct set of settings).
public struct APICallSubmission: Sendable {
    public var campaignID: String
    /// The campaign to create when it does not exist yet; nil: it must exist.
    public var createWith: CampaignSettings?
    public var contact: ContactSpec
    /// The call's own settings (a drop-in endpoint's: its profile's with the request's laid over
    /// them); nil: its campaign's.
    public var settings: CampaignSettings?
    /// The Call-ID of its first INVITE, named in the response before it is placed; nil: made then.
    public var sipCallID: String?
    /// Refuses the call (`APIStoreError.tooManyCalls`) when the campaign already has `max` calls
    /// with their own settings not finished, counting only those queued in the last `expirationSec`
    /// (AudioCodes' `dialoutMaxConcurrentCalls` and `dialoutConcurrentCallsExpirationSeconds`).
    public var concurrencyLimit: (max: Int, expirationSec: Int)?

    public init(campaignID: String, createWith: CampaignSettings?, contact: ContactSpec, settings: CampaignSettings? = nil,
                sipCallID: String? = nil, concurrencyLimit: (max: Int, expirationSec: Int)? = nil) {
        self.campaignID = campaignID
        self.createWith = createWith
        self.contact = contact
        self.settings = settings
        self.sipCallID = sipCallID
        self.concurrencyLimit = concurrencyLimit
    }
}
