/// A campaign the dispatcher may dial.
public struct DispatchCampaign: Sendable {
    public var key: Int64
    public var id: String
    public var settings: CampaignSettings
}
