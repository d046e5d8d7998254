/// A campaign the dispatcher may dial.
public struct DispatchCampaign: Sendable {
    public var key: Int64
    public var id: String
    public var settings: CampaignSettings
    /// When it was read, some of its contacts were pending or waiting for a retry (the kept counts,
    /// migration 11). False: nothing to claim until contacts are added or requeued; the next refresh
    /// (or a work signal) reads it again.
    public var hasQueuedContacts = true
}
