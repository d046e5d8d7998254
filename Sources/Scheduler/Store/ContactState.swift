/// Contact states (DESIGN.md "State that must survive a crash").
public enum ContactState: String, Sendable, Codable, CaseIterable {
    case pending, dialing
    case retryWait = "retry_wait"
    case done, failed, skipped, cancelled, interrupted
}

extension ContactState {
    /// Several states as an SQL list, for `state IN \(ContactState.sqlList(.pending, .retryWait))`.
    static func sqlList(_ states: ContactState...) -> String {
        "(" + states.map(\.sql).joined(separator: ", ") + ")"
    }
}
