/// A contact claimed for one attempt: the attempt row exists before dialing.
public struct ClaimedAttempt: Sendable, Equatable {
    public var attemptID: Int64
    public var contactID: Int64
    public var campaignKey: Int64
    public var campaignID: String
    public var attempt: Int
    public var target: String
    public var timezone: String?
    public var caller: String?
    public var cdrId: String
    public var conversationId: String
    /// The contact's own webhook URL, if it has one (else the campaign's `notifyUrl` applies).
    public var notifyUrl: String?
    /// The zones the calling window was checked in, and where they came from (nil when not checked).
    public var zones: CallingPolicy.Zones?
    /// JSON object text: the campaign's metadata with the contact's laid over it (the CDR's `metadata`).
    public var metadata: String = "{}"
    /// The call's own settings when it was placed through a drop-in endpoint (its profile's with the
    /// request's laid over them); nil: its campaign's.
    public var settings: CampaignSettings? = nil
    /// The Call-ID its endpoint's response named, for the first attempt; nil: the dispatcher makes one.
    public var sipCallID: String? = nil
}
