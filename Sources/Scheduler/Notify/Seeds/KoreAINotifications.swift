import Telephony

/// Kore.ai SmartAssist (seed 003) notifications: not built yet (issue 18); no webhooks are sent in this format.
enum KoreAINotifications {
    static func plan(_ stage: NotifyStage, record: CDRRecord, settings: CampaignSettings, url: String?) -> [PlannedNotification] {
        []
    }
}
