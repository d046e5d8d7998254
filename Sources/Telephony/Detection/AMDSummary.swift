/// What a call's AMD events add up to, for its CDR and the webhooks sent during the call: the last
/// verdict, and whether a beep was heard (nil while detection has not run). One rule, kept by the
/// call for its result and by the dispatcher for events it reports before the call ends.
public struct AMDSummary: Sendable, Equatable {
    public private(set) var verdict: AMDEvent?
    public private(set) var beepDetected: Bool?

    public init() {}

    /// Detection started: from now on "no beep" is an answer, not an unknown.
    public mutating func detectionStarted() {
        if beepDetected == nil { beepDetected = false }
    }

    public mutating func record(_ event: AMDEvent) {
        detectionStarted()
        if event.kind.isVerdict { verdict = event }
        if event.kind == .toneDetected { beepDetected = true }
    }
}
