/// Session timers (RFC 4028) for one answered call, as a value: who refreshes the session, when,
/// and when a session nobody refreshed is over.
///
/// The 2xx to our INVITE (or to a refresh) says the interval and the refresher: `refresher=uac`
/// there means us. As refresher we send a refresh at half the interval (§10) and hang up if it
/// fails; when the far end refreshes and no refresh comes, we hang up before the session expires,
/// at the interval less a third of it or 32 s, whichever is less (§10).
public struct SessionTimerStateMachine: Sendable, Equatable {
    public enum Timer: Sendable, Hashable {
        /// Time for us to refresh.
        case refresh
        /// The far end's refresh is overdue: the session is over.
        case expiry
    }

    public enum State: Sendable, Equatable {
        /// No session timer: the far end did not ask for one.
        case off
        /// We refresh; the next refresh is due at half `interval` seconds.
        case weRefresh(interval: Int)
        /// Our refresh is out, waiting for its answer.
        case refreshing(interval: Int)
        /// The far end refreshes within `interval` seconds.
        case theyRefresh(interval: Int)
    }

    public enum Action: Sendable, Equatable {
        case startTimer(Timer, after: Duration)
        case cancelTimer(Timer)
        /// Send a session refresh (UPDATE) carrying this `Session-Expires`.
        case sendRefresh(SessionExpires)
        /// The session cannot go on: end the call with a BYE.
        case hangUp(reason: String)
    }

    public private(set) var state: State = .off

    public init() {}

    /// The 2xx to our INVITE arrived, with its `Session-Expires` (nil: no session timer).
    public mutating func answered(sessionExpires: SessionExpires?) -> [Action] {
        // §7.2: a 2xx without a refresher is the UAC's to refresh.
        start(sessionExpires, weRefreshWhen: .uac, default: .uac)
    }

    /// Our refresh got its final response: a 2xx with its `Session-Expires` (none turns the timer
    /// off, §7.4), or a failure, which ends the session (§10).
    public mutating func refreshAnswered(success: Bool, sessionExpires: SessionExpires?) -> [Action] {
        guard case .refreshing = state else { return [] }
        guard success else {
            state = .off
            return [.cancelTimer(.refresh), .cancelTimer(.expiry), .hangUp(reason: "session refresh failed (RFC 4028)")]
        }
        return start(sessionExpires, weRefreshWhen: .uac, default: .uac)
    }

    /// The far end refreshed the session (UPDATE or re-INVITE) with this `Session-Expires`, or none
    /// (the request turns the timer off). Returns what our 2xx says back (§9: the refresher is the
    /// far end unless it asked us to) and what to do.
    public mutating func refreshReceived(sessionExpires: SessionExpires?) -> (response: SessionExpires?, actions: [Action]) {
        // In their request, `uac` is the far end; when they leave it to us we let them refresh.
        let actions = start(sessionExpires, weRefreshWhen: .uas, default: .uac)
        switch state {
        case .off: return (nil, actions)
        case .weRefresh(let interval), .refreshing(let interval): return (SessionExpires(deltaSeconds: interval, refresher: .uas), actions)
        case .theyRefresh(let interval): return (SessionExpires(deltaSeconds: interval, refresher: .uac), actions)
        }
    }

    public mutating func timerFired(_ timer: Timer) -> [Action] {
        switch (timer, state) {
        case (.refresh, .weRefresh(let interval)):
            state = .refreshing(interval: interval)
            return [.sendRefresh(SessionExpires(deltaSeconds: interval, refresher: .uac))]
        case (.expiry, .theyRefresh(let interval)):
            state = .off
            return [.hangUp(reason: "session expired: no refresh within \(interval) s (RFC 4028)")]
        case (.refresh, _), (.expiry, _):
            return []
        }
    }

    /// The call is ending: no more timers.
    public mutating func stop() -> [Action] {
        guard state != .off else { return [] }
        state = .off
        return [.cancelTimer(.refresh), .cancelTimer(.expiry)]
    }

    private mutating func start(_ sessionExpires: SessionExpires?, weRefreshWhen ours: SessionExpires.Refresher,
                                default fallback: SessionExpires.Refresher) -> [Action] {
        var actions: [Action] = [.cancelTimer(.refresh), .cancelTimer(.expiry)]
        guard let sessionExpires, sessionExpires.deltaSeconds > 0 else {
            let wasOn = state != .off
            state = .off
            return wasOn ? actions : []
        }
        // Intervals below a second would refresh in a loop; RFC 4028 §4 puts the floor at 90 s.
        let interval = max(1, sessionExpires.deltaSeconds)
        if (sessionExpires.refresher ?? fallback) == ours {
            state = .weRefresh(interval: interval)
            actions.append(.startTimer(.refresh, after: .milliseconds(interval * 500)))
        } else {
            state = .theyRefresh(interval: interval)
            actions.append(.startTimer(.expiry, after: .milliseconds(interval * 1000 - min(32_000, interval * 1000 / 3))))
        }
        return actions
    }
}
