/// One key of `api.keys`: a name (logged), a secret (never logged) and what it may do.
struct APIKey: Sendable, Equatable, CustomStringConvertible {
    /// What a key may do; each route needs one.
    enum Scope: String, Sendable, CaseIterable {
        /// `POST /v1/calls`.
        case calls
        /// Creating and controlling campaigns, their contacts and the DNC list.
        case campaigns
        /// Every `GET` under `/v1`.
        case read
    }

    var name: String
    /// Never logged or printed.
    var secret: String
    var scopes: Set<Scope>
    /// Requests per second this key may make (429 beyond); nil: no limit.
    var ratePerSecond: Double?

    /// The name only: a key printed by mistake does not show its secret.
    var description: String { "APIKey(\(name))" }
}
