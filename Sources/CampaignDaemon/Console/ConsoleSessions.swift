import Foundation

/// The console's logged-in browsers: a random session id (the cookie's value) names the key that
/// logged in and the CSRF token its page sends back on every state-changing request. Held in
/// memory only, so a restart logs everyone out; a session ends after `lifetime` or at logout.
final class ConsoleSessions<C: Clock>: @unchecked Sendable where C.Duration == Duration {
    // @unchecked Sendable: `lock` guards `sessions`; `clock`, `lifetime` and `capacity` never change.
    struct Session: Sendable {
        /// The name of the API key given at login (its scopes are looked up on each request).
        var keyName: String
        /// What `X-CSRF-Token` must be on a POST or DELETE authenticated by the cookie.
        var csrfToken: String
        var expires: C.Instant
    }

    private let clock: C
    let lifetime: Duration
    private let capacity: Int
    private let lock = NSLock()
    private var sessions: [String: Session] = [:]

    /// - Parameters:
    ///   - lifetime: how long a login lasts, however busy the session.
    ///   - capacity: the most sessions kept; the one closest to expiry makes room for a new one.
    init(clock: C, lifetime: Duration = .seconds(12 * 3600), capacity: Int = 1024) {
        self.clock = clock
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// Opens a session for the key named `keyName`: its id (for the cookie) and the session.
    func open(keyName: String) -> (id: String, session: Session) {
        let now = clock.now
        let id = Self.randomToken()
        let session = Session(keyName: keyName, csrfToken: Self.randomToken(), expires: now.advanced(by: lifetime))
        lock.withLock {
            sessions = sessions.filter { $0.value.expires > now }
            if sessions.count >= capacity, let soonest = sessions.min(by: { $0.value.expires < $1.value.expires })?.key {
                sessions[soonest] = nil
            }
            sessions[id] = session
        }
        return (id, session)
    }

    /// The session `id` names, if it is open and has not expired.
    func session(_ id: String) -> Session? {
        let now = clock.now
        return lock.withLock {
            guard let session = sessions[id] else { return nil }
            guard session.expires > now else {
                sessions[id] = nil
                return nil
            }
            return session
        }
    }

    /// Ends the session `id` (logout).
    func close(_ id: String) {
        _ = lock.withLock { sessions.removeValue(forKey: id) }
    }

    /// 32 bytes from the system's CSPRNG (getrandom on Linux), as 64 hex digits.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
    }
}
