/// Trunk targets that answered 503 with a `Retry-After`, and until when: RFC 3261 §21.5.4 asks
/// that no request go to that server for that long, so later calls try the trunk's other targets
/// first. A pure table told the time, so tests run it on their own clock.
public struct TrunkTargetHoldOff: Sendable {
    private var until: [SIPDestination: Duration] = [:]

    public init() {}

    /// `target` answered 503 with `Retry-After: seconds` at `now`.
    public mutating func refused(_ target: SIPDestination, retryAfter seconds: Int, at now: Duration) {
        guard seconds > 0 else { return }
        let end = now + .seconds(seconds)
        if until[target].map({ $0 < end }) ?? true { until[target] = end }
    }

    /// `targets` in their order, those still held off at `now` moved after the rest (in their own
    /// order): kept rather than dropped, so a call whose every target is held off still tries them.
    public mutating func ordered(_ targets: [SIPDestination], at now: Duration) -> [SIPDestination] {
        until = until.filter { $0.value > now }
        guard !until.isEmpty else { return targets }
        return targets.filter { until[$0] == nil } + targets.filter { until[$0] != nil }
    }
}
