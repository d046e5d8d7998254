import Foundation

/// The calls in progress by Call-ID, for the dialer and the SIP loop, and what arrived that no call
/// could use.
// @unchecked Sendable: `lock` guards `calls` and `tally`.
final class SIPCallTable: @unchecked Sendable {
    private let lock = NSLock()
    private var calls: [String: OutboundCall] = [:]
    private var tally = SIPDialer.Counters()

    func add(_ call: OutboundCall) {
        lock.withLock { calls[call.callID] = call }
    }

    /// Removes `call`, not a later attempt of it that took its Call-ID (RFC 3263 failover).
    func remove(_ call: OutboundCall) {
        lock.withLock {
            if calls[call.callID] === call { calls[call.callID] = nil }
        }
    }

    func call(_ callID: String) -> OutboundCall? {
        lock.withLock { calls[callID] }
    }

    func all() -> [OutboundCall] {
        lock.withLock { Array(calls.values) }
    }

    // Registrations are made once, in SIPDialer.init, and read from then on.
    private var registrations: [String: (TrunkRegistration, SIPDestination)] = [:]

    func add(_ registration: TrunkRegistration, registrar: SIPDestination) {
        lock.withLock { registrations[registration.callID] = (registration, registrar) }
    }

    func registration(_ callID: String) -> TrunkRegistration? {
        lock.withLock { registrations[callID]?.0 }
    }

    func registration(trunk: String) -> TrunkRegistration? {
        lock.withLock { registrations.values.first { $0.0.trunk == trunk }?.0 }
    }

    func allRegistrations() -> [(TrunkRegistration, SIPDestination)] {
        lock.withLock { Array(registrations.values) }
    }

    func count(_ counter: WritableKeyPath<SIPDialer.Counters, Int>) {
        lock.withLock { tally[keyPath: counter] += 1 }
    }

    var counters: SIPDialer.Counters { lock.withLock { tally } }
}
