import Telephony

/// Vonage AI Studio (seed 001) notifications: not built yet (issue 18); no webhooks are sent in this format.
enum VonageNotifications {
    static func plan(_ stage: NotifyStage, record: CDRRecord, settings: CampaignSettings, url: String?) -> [PlannedNotification] {
        []
    }
}
