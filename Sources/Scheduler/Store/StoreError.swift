/// What the queue refuses to do, in words an operator can act on.
public enum StoreError: Error, Sendable, CustomStringConvertible {
    case cannotCreateDataDirectory(String, String)
    case campaignNotFound(String)
    case campaignCancelled(String)
    /// An attempt id the store does not have (a bug or a database changed behind its back).
    case attemptNotFound(Int64)
    /// The import lock file could not be opened or locked.
    case cannotLock(String, String)
    /// Another process holds the database's write lock (a `sqlite3` shell in a transaction, a
    /// backup): nothing new is taken until it lets go.
    case databaseLocked(String)

    public var description: String {
        switch self {
        case .cannotCreateDataDirectory(let path, let reason): "cannot create data directory \(path): \(reason)"
        case .campaignNotFound(let id): "no campaign \"\(id)\"; `campaignd status` lists the campaigns"
        case .campaignCancelled(let id): "campaign \"\(id)\" was cancelled and cannot be changed; import it under a new id"
        case .attemptNotFound(let id): "no attempt \(id) in the queue"
        case .cannotLock(let path, let reason): "cannot lock \(path): \(reason)"
        case .databaseLocked(let path):
            "the queue \(path) is locked by another process (a sqlite3 shell or backup holding a write transaction); try again once it lets go"
        }
    }

    /// Whether `error` says another connection held the database locked (`databaseLocked`, or
    /// SQLite's SQLITE_BUSY or SQLITE_LOCKED): nothing was written, and a later try may work.
    public static func isDatabaseLocked(_ error: any Error) -> Bool {
        switch error {
        case StoreError.databaseLocked: true
        case let error as SQLiteError: error.isLockHeldElsewhere
        default: false
        }
    }
}
