/// What went wrong while dispatching, reported as `Dispatcher.Event.error` (the run goes on).
public enum DispatchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The attempt could not be committed as placed, so it was not dialed.
    case cannotRecordPlacement(attemptID: Int64, reason: String)
    /// The attempt's end (retry decision, CDR row) could not be committed.
    case cannotRecordAttempt(attemptID: Int64, reason: String)
    /// A call event's webhook could not be put in the outbox.
    case cannotEnqueueWebhook(attemptID: Int64, event: String, reason: String)
    /// A campaign's prompt file could not be loaded; its calls go out without it.
    case promptUnavailable(campaign: String, path: String, reason: String)

    public var code: String {
        switch self {
        case .cannotRecordPlacement: "cannot-record-placement"
        case .cannotRecordAttempt: "cannot-record-attempt"
        case .cannotEnqueueWebhook: "cannot-enqueue-webhook"
        case .promptUnavailable: "prompt-unavailable"
        }
    }

    public var description: String {
        switch self {
        case .cannotRecordPlacement(let attemptID, let reason):
            "cannot record attempt \(attemptID) as placed; not dialing it: \(reason)"
        case .cannotRecordAttempt(let attemptID, let reason):
            "cannot record attempt \(attemptID): \(reason)"
        case .cannotEnqueueWebhook(let attemptID, let event, let reason):
            "cannot enqueue the \(event) webhook of attempt \(attemptID): \(reason)"
        case .promptUnavailable(let campaign, let path, let reason):
            "campaign \(campaign): prompt \(path): \(reason); calling without it"
        }
    }
}
