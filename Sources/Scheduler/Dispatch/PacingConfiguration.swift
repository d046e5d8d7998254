import Telephony

/// The pacing settings of `DispatchStateMachine` (rates, slots, refresh and recovery times), which
/// `Dispatcher.Configuration` holds next to the per-contact calling rules.
public struct PacingConfiguration: Sendable {
    public var globalRate: Double
    public var globalMaxConcurrentCalls: Int
    public var slotExpiry: Duration
    public var trunks: [SIPTrunk]
    /// How often campaign states (pause, resume, cancel) and settings are read again.
    public var refreshInterval: Duration
    /// Quiet time after a 503/429 before a throttled trunk's rate goes up again, and between steps.
    public var recoveryInterval: Duration
    /// `run --once`: finish when nothing is left to dial (the driver says whether later work waits).
    public var once: Bool

    public init(globalRate: Double, globalMaxConcurrentCalls: Int, slotExpiry: Duration = .seconds(1200), trunks: [SIPTrunk] = [],
                refreshInterval: Duration = .seconds(1), recoveryInterval: Duration = .seconds(10), once: Bool = false) {
        self.globalRate = globalRate
        self.globalMaxConcurrentCalls = globalMaxConcurrentCalls
        self.slotExpiry = slotExpiry
        self.trunks = trunks
        self.refreshInterval = refreshInterval
        self.recoveryInterval = recoveryInterval
        self.once = once
    }
}
