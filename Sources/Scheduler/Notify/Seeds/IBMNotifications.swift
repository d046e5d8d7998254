import Telephony

/// IBM Voice Gateway (seed 002) notifications: not built yet (issue 18); no webhooks are sent in this format.
enum IBMNotifications {
    static func plan(_ stage: NotifyStage, record: CDRRecord, settings: CampaignSettings, url: String?) -> [PlannedNotification] {
        []
    }
}
