import Scheduler

/// What the API's endpoints work with: the queue's writer (calls, group-committed), a reading
/// connection, an importing connection, validation, and the way to wake the dispatcher.
struct APIContext: Sendable {
    /// The campaign calls without `"campaign"` go to, its settings the configuration's `defaults`.
    static let builtInCampaign = "api"

    let writer: QueueWriter
    let loader: CampaignLoader
    let reads: APIStoreQueue
    let imports: APIStoreQueue
    /// The configuration's `defaultCountryCode` (for DNC numbers).
    let defaultCountryCode: String?
    /// Where the CDR files are (`DATA/cdr`).
    let cdrDirectory: String
    /// The Prometheus exposition, when `api.metrics` serves it; built on the reading queue.
    let metrics: (@Sendable (QueueStore) -> String)?
    /// The calling rules, for the HTML report's audit.
    let callingPolicy: CallingPolicy
    /// What `GET /v1/status` reads of the running daemon.
    let status: StatusEndpoint.Source
    /// `api.profiles`, by name: the drop-in endpoints' bots, agents, applications and tenants.
    let profiles: [String: APIProfile]
    /// Tells the dispatcher new work is queued (called after the commit).
    let wake: @Sendable () -> Void
}
