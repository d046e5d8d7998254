import Foundation
import Telephony

/// The shape of a call's webhooks: campaignd's own, or that of one of the outbound-call APIs
/// campaignd stands in for (`../shared/seeds/`), for calls placed through its endpoint.
public enum NotifyFormat: String, Sendable, Codable, CaseIterable {
    case campaignd
    /// AudioCodes VoiceAI Connect (`notifyUrl`).
    case audiocodes
    /// Kore.ai SmartAssist (`notifyurl`).
    case koreai
    /// IBM Voice Gateway (`statusWebhook`).
    case ibm
    /// jambonz / Cognigy Voice Gateway (`call_status_hook`, `amd.actionHook`).
    case jambonz
    /// Vonage AI Studio (`status_url`).
    case vonage
}

/// Where a call is when a webhook may go.
public enum NotifyStage: Sendable, Equatable {
    /// Before the answer: the INVITE went out, the callee rings, early media.
    case progress(CallProgressEvent)
    case answered
    /// An AMD event while the call is up.
    case amd(AMDEvent)
    /// `connecting`, `connected`, `transferred`, `abandoned` (connect to an agent or bot).
    case connect(String)
    /// The attempt is over; `record` is its CDR.
    case ended(CallOutcome.Status)
}

/// One webhook to enqueue.
public struct PlannedNotification: Sendable, Equatable {
    /// The event's name, for logs and `X-Campaignd-Event`.
    public var event: String
    public var url: String
    public var body: String
    /// The headers this webhook is sent with (beside `Content-Type` and `User-Agent`) instead of the
    /// campaign's `notifyHeaders` and Basic credentials; nil: the campaign's.
    public var headers: [HeaderField]?
    /// The header that carries the signature when `notifications.signingSecret` is set; nil:
    /// `X-Campaignd-Signature`.
    public var signatureHeader: String?

    public init(event: String, url: String, body: String, headers: [HeaderField]? = nil, signatureHeader: String? = nil) {
        self.event = event
        self.url = url
        self.body = body
        self.headers = headers
        self.signatureHeader = signatureHeader
    }
}

/// Decides which webhooks a call event makes, to which URLs and in which shape (`notifyFormat`).
/// The store enqueues what it returns in the same transaction as what it reports.
public enum NotificationPlanner {
    /// - Parameters:
    ///   - record: the attempt as far as it has got (for `answered` and AMD events the call is still up).
    ///   - settings: the call's settings (its own when placed through a drop-in endpoint, else its campaign's).
    ///   - contactURL: the contact's own webhook URL, if it has one.
    public static func plan(_ stage: NotifyStage, record: CDRRecord, settings: CampaignSettings,
                            contactURL: String?) -> [PlannedNotification] {
        let url = contactURL ?? settings.notifyUrl
        switch settings.notifyFormat ?? .campaignd {
        case .campaignd: return campaignd(stage, record: record, settings: settings, url: url)
        case .audiocodes: return AudioCodesNotifications.plan(stage, record: record, settings: settings, url: url)
        case .koreai: return KoreAINotifications.plan(stage, record: record, settings: settings, url: url)
        case .ibm: return IBMNotifications.plan(stage, record: record, settings: settings, url: url)
        case .jambonz: return JambonzNotifications.plan(stage, record: record, settings: settings, url: url)
        case .vonage: return VonageNotifications.plan(stage, record: record, settings: settings, url: url)
        }
    }

    /// campaignd's own webhooks (README "Webhooks"): progress events the campaign asked for, the
    /// answer, AMD events it subscribes to, connect events and the end, all to one URL.
    static func campaignd(_ stage: NotifyStage, record: CDRRecord, settings: CampaignSettings, url: String?) -> [PlannedNotification] {
        guard let url else { return [] }
        let event: String, body: String
        switch stage {
        case .progress(let progress):
            guard settings.notifyEvents?.contains(progress) == true else { return [] }
            event = progress.rawValue
            body = WebhookBody.json(event: event, record: record, progress: .beforeAnswer(progress))
        case .answered:
            event = "answered"
            body = WebhookBody.json(event: event, record: record, progress: .answered)
        case .amd(let amd):
            guard settings.amdEventsSubscription?.contains(amd.kind.rawValue) ?? true else { return [] }
            event = amd.kind.rawValue
            body = WebhookBody.json(event: event, record: record, progress: .answered, amd: amd)
        case .connect(let name):
            event = name
            body = WebhookBody.json(event: event, record: record, progress: .answered)
        case .ended(let status):
            event = status.rawValue
            body = WebhookBody.json(event: event, record: record, progress: .ended(status))
        }
        return [PlannedNotification(event: event, url: url, body: body)]
    }

    /// `Authorization: Basic` for `notifyUsername`/`notifyPassword`, when set.
    static func basicAuthorization(_ settings: CampaignSettings) -> HeaderField? {
        guard let user = settings.notifyUsername else { return nil }
        let credentials = Data("\(user):\(settings.notifyPassword ?? "")".utf8).base64EncodedString()
        return HeaderField(name: "Authorization", value: "Basic \(credentials)")
    }
}
