import Foundation
import IO
import Scheduler
import Telephony

/// `GET /v1/status`: the daemon's health as the console shows it: version, calls in progress,
/// every trunk (its registration, its rate when back-pressure has lowered it) and the webhook backlog.
enum StatusEndpoint {
    /// What the running daemon knows that the store does not, read at each request.
    struct Source: Sendable {
        var version: String
        /// The configured trunks' names, in the configuration's order.
        var trunks: [String]
        /// Whether each trunk registers with a registrar.
        var registering: Set<String>
        /// The global dialing rate (`limits.dialoutLimitPerSecond`).
        var dialoutLimitPerSecond: Double
        var live: @Sendable () -> (inFlight: Int, registrations: [String: RegistrationStateMachine.Status], trunkRates: [String: Double])
    }

    static func show(_ exchange: APIExchange, context: APIContext) {
        let source = context.status
        context.reads.answer(exchange) { store in
            let live = source.live()
            let trunks = source.trunks.map { name in
                var trunk = JSONObjectWriter()
                trunk.string("name", name)
                trunk.string("registration", registration(name, source: source, live: live.registrations))
                trunk.raw("ratePerSecond", live.trunkRates[name].map { String(format: "%.3f", $0) } ?? "null")
                return trunk.result
            }
            var pending = 0, failed = 0
            var byCampaign: [String] = []
            for (campaign, backlog) in try store.notificationBacklog().sorted(by: { $0.key < $1.key }) {
                pending += backlog.pending
                failed += backlog.failed
                var entry = JSONObjectWriter()
                entry.string("campaign", campaign)
                entry.number("pending", backlog.pending)
                entry.number("failed", backlog.failed)
                byCampaign.append(entry.result)
            }
            var webhooks = JSONObjectWriter()
            webhooks.number("pending", pending)
            webhooks.number("failed", failed)
            webhooks.raw("byCampaign", "[" + byCampaign.joined(separator: ",") + "]")
            var json = JSONObjectWriter()
            json.string("version", source.version)
            json.number("callsInProgress", live.inFlight)
            json.raw("dialoutLimitPerSecond", String(format: "%.3f", source.dialoutLimitPerSecond))
            json.raw("trunks", "[" + trunks.joined(separator: ",") + "]")
            json.raw("webhooks", webhooks.result)
            return (200, json.result, [])
        }
    }

    /// A trunk's registration: not-registering (it does not register), registering (no answer
    /// yet), registered, or failed (the last attempt failed; retried later).
    private static func registration(_ trunk: String, source: Source, live: [String: RegistrationStateMachine.Status]) -> String {
        guard source.registering.contains(trunk) else { return "not-registering" }
        switch live[trunk] {
        case .registered: return "registered"
        case .failed: return "failed"
        case .unregistered, nil: return "registering"
        }
    }
}
