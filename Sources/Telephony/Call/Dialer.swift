/// Places calls. `SIPDialer` does it over SIP; scheduler tests use a scripted one.
public protocol Dialer: Sendable {
    /// Starts the call and returns its events; the stream ends after `.ended`.
    func placeCall(_ request: CallRequest) async -> AsyncStream<CallEvent>
    /// Asks the call with `sipCallID` to hang up (CANCEL before answer, BYE after).
    func hangUp(sipCallID: String) async
    /// How many calls with media (a script) could start now without waiting for an RTP port; nil
    /// when there is no such limit. The dispatcher claims no media call while it is 0.
    func mediaCapacity() -> Int?
    /// Whether calls may go out through trunk `name` now: false while a trunk that registers
    /// (`register: true`) holds no binding with its registrar. The dispatcher claims no call for it then.
    func isTrunkReady(_ name: String) -> Bool
    /// Why trunk `name` holds no binding after its registration was tried: the registrar's last
    /// answer (`401 Unauthorized`, `no response to REGISTER`); nil while it is registered, before
    /// its first answer, or when it does not register. `run --once` does not wait for such a trunk.
    func registrationFailure(_ name: String) -> String?
}

extension Dialer {
    public func mediaCapacity() -> Int? { nil }
    public func isTrunkReady(_ name: String) -> Bool { true }
    public func registrationFailure(_ name: String) -> String? { nil }
}
