import Telephony

/// jambonz / Cognigy Voice Gateway (seed 000) notifications: not built yet (issue 18); no webhooks are sent in this format.
enum JambonzNotifications {
    static func plan(_ stage: NotifyStage, record: CDRRecord, settings: CampaignSettings, url: String?) -> [PlannedNotification] {
        []
    }
}
