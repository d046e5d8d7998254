/// What a row of `attempt_counts` counts of a campaign's attempts (migration 11 keeps them).
enum AttemptMeasure: String, SQLText {
    /// Every attempt, finished or not.
    case started
    /// Attempts that have ended (their status is set).
    case finished
    /// Ended attempts with a connect time.
    case answered
    /// Answered attempts by their `machine_detection` (the row's value).
    case amd
    /// Attempts by the source of the zones their window was checked in (the row's value).
    case zone
}
