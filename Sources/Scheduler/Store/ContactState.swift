/// Contact states (DESIGN.md "State that must survive a crash").
public enum ContactState: String, Sendable, Codable, CaseIterable {
    case pending, dialing
    case retryWait = "retry_wait"
    case done, failed, skipped, cancelled, interrupted
}

extension ContactState {
    /// The state as an SQL string literal (`state = \(ContactState.pending.sql)`): the one mapping
    /// between the enum and the `contacts.state` column.
    var sql: String { "'\(rawValue)'" }

    /// Several states as an SQL list, for `state IN \(ContactState.sqlList(.pending, .retryWait))`.
    static func sqlList(_ states: ContactState...) -> String {
        "(" + states.map(\.sql).joined(separator: ", ") + ")"
    }
}
