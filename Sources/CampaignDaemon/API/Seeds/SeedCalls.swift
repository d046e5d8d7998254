import Foundation
import IO
import Scheduler
import Telephony

/// A call asked for through a drop-in endpoint, in campaignd's terms: its profile, the campaign
/// settings the request sets (laid over the profile's), and the contact.
struct SeedCall: Sendable {
    var profile: APIProfile
    /// The webhooks' shape (`notifyFormat`).
    var format: NotifyFormat
    /// As the request gives it: `tel:+…`, `sip:…@…`, or a number.
    var target: String
    /// Already checked against the profile's `dialoutAllowedCallers` (`APIProfile.caller(for:)`).
    var caller: String?
    /// Campaign-file settings keys the request sets (`callerHost`, `headers`, `route`, `notifyUrl`,
    /// `amd`, …). Objects (`headers`, `notifyHeaders`, `amd`) are merged into the profile's member by
    /// member; the rest replace the profile's.
    var settings: [(key: String, node: JSONNode)] = []
    /// The contact's metadata: the request's fields a call cannot act on, kept for the CDR.
    var metadata: [(key: String, node: JSONNode)] = []
    /// Name the INVITE's Call-ID in the response (jambonz `callid`, Kore.ai `callId`).
    var namesCallID = false
}

/// A drop-in request's call, accepted or refused; each endpoint words these in its own API's shape.
enum SeedCallOutcome: Sendable {
    case accepted(id: Int64, conversationID: String, sipCallID: String?)
    /// What is wrong with the request, field by field (paths as the request's, when they are known).
    case invalid([Diagnostic])
    /// `dialoutLimitPerSecond` or `dialoutMaxConcurrentCalls` would be exceeded: refused, not queued.
    case tooManyRequests(String)
    case onDNC(String)
    case unavailable(String)
}

/// The state the drop-in endpoints share: profiles, keys and tokens, and each profile's request rate.
struct SeedContext: Sendable {
    let profiles: [String: APIProfile]
    let auth: SeedAuth
    let rates: APIRateLimiter<ContinuousClock>

    init(profiles: [String: APIProfile], authenticator: APIAuthenticator) {
        self.profiles = profiles
        auth = SeedAuth(authenticator: authenticator)
        rates = APIRateLimiter(rates: profiles.compactMapValues { $0.dialoutLimitPerSecond }, clock: ContinuousClock())
    }
}

enum SeedCalls {
    /// The profile's request rate (`dialoutLimitPerSecond`); nil when the request may go on, else why not.
    static func admit(_ profile: APIProfile, seeds: SeedContext) -> String? {
        guard seeds.rates.admit(profile.name) != nil else { return nil }
        return "profile \"\(profile.name)\" accepts \(profile.dialoutLimitPerSecond.map { String($0) } ?? "") dial-out requests per second (dialoutLimitPerSecond)"
    }

    /// Validates `call` as a one-contact campaign under its profile and queues it; `done` is called
    /// once, off the loop, with the outcome. The request rate is checked by the caller first
    /// (`admit`), so that a refused request costs no validation.
    static func submit(_ call: SeedCall, context: APIContext, done: @escaping @Sendable (SeedCallOutcome) -> Void) {
        let location = call.profile.node.location
        // Laid over the profile's settings by `JSONNode.merged`: objects such as `headers`,
        // `notifyHeaders` and `amd` member by member (a request's header is added to the profile's,
        // or replaces one of the same name), everything else replaced.
        var overlay = call.settings
        overlay.append(("notifyFormat", JSONNode(.string(call.format.rawValue), at: location)))
        if call.profile.node["maxRetryNo"] == nil {
            // A dial-out request is one call: retried only when its profile says so.
            overlay.append(("maxRetryNo", JSONNode(.number(0, text: "0"), at: location)))
        }
        if call.profile.dialoutLimitPerSecond == nil, call.profile.node["dialoutLimitPerSecond"] == nil {
            // No request limit: its calls are not held back by the built-in 1 call a second either.
            overlay.append(("dialoutLimitPerSecond", JSONNode(.number(1000, text: "1000"), at: location)))
        }
        var contact: [(key: String, node: JSONNode)] = [("target", JSONNode(.string(call.target), at: location))]
        if let caller = call.caller { contact.append(("caller", JSONNode(.string(caller), at: location))) }
        if !call.metadata.isEmpty { contact.append(("metadata", JSONNode(.object(call.metadata), at: location))) }
        let merged = call.profile.node.merged(with: JSONNode(.object(overlay), at: location))
        guard case .object(var pairs) = merged.value else { return done(.unavailable("the profile's settings are not an object")) }
        pairs.append(("contacts", JSONNode(.array([JSONNode(.object(contact), at: location)]), at: location)))
        var spec: CampaignSpec
        do {
            spec = try context.loader.load(json: JSONNode(.object(pairs), at: location), name: "request", id: call.profile.name)
        } catch {
            return done(.invalid(error.diagnostics.map { diagnostic in
                var problem = diagnostic
                if let path = problem.path, path.hasPrefix("contacts[0].") { problem.path = String(path.dropFirst("contacts[0].".count)) }
                if problem.path == "contacts[0]" { problem.path = "target" }
                return problem
            }))
        }
        let requested = Set(call.settings.map(\.key))
        if requested.contains("notifyUrl") {
            // A URL the request chose gets only the credentials and headers the request gave: the
            // profile's (or the defaults') are for the profile's own URL.
            if !requested.contains("notifyUsername") { spec.settings.notifyUsername = nil }
            if !requested.contains("notifyPassword") { spec.settings.notifyPassword = nil }
            let ownHeaders = Set((call.settings.last { $0.key == "notifyHeaders" }?.node.objectPairs ?? []).map { $0.key.lowercased() })
            spec.settings.notifyHeaders.removeAll { !ownHeaders.contains($0.name.lowercased()) }
        }
        guard let contactSpec = spec.contacts.first else {
            return done(.invalid([Diagnostic(at: location, path: "target", message: "the call has no valid target")]))
        }
        let profile = call.profile
        let sipCallID = call.namesCallID ? RandomBytes.hex(16) + "@campaignd" : nil
        let submission = APICallSubmission(
            campaignID: profile.name, createWith: profile.settings, contact: contactSpec, settings: spec.settings, sipCallID: sipCallID,
            concurrencyLimit: profile.dialoutMaxConcurrentCalls > 0
                ? (profile.dialoutMaxConcurrentCalls, profile.dialoutConcurrentCallsExpirationSeconds) : nil)
        Task {
            do {
                // The rendered "body" carries the conversation id out of the write.
                let outcome = try await context.writer.submitCall(submission, idempotency: nil, now: Timestamp.nowMs()) { _, id in (201, id) }
                guard case .done(let id, _, let conversationID) = outcome else { return done(.unavailable("the call was not queued")) }
                context.wake()
                done(.accepted(id: id, conversationID: conversationID, sipCallID: sipCallID))
            } catch APIStoreError.tooManyCalls(let campaign, let limit) {
                done(.tooManyRequests("profile \"\(campaign)\" has \(limit) calls in progress (dialoutMaxConcurrentCalls)"))
            } catch APIStoreError.onDNC(let target) {
                done(.onDNC(target))
            } catch {
                done(.unavailable("\(error)"))
            }
        }
    }
}
