/// What the queue refuses to do, in words an operator can act on.
public enum StoreError: Error, Sendable, CustomStringConvertible {
    case cannotCreateDataDirectory(String, String)
    case campaignNotFound(String)
    case campaignCancelled(String)
    /// An attempt id the store does not have (a bug or a database changed behind its back).
    case attemptNotFound(Int64)
    /// The import lock file could not be opened or locked.
    case cannotLock(String, String)

    public var description: String {
        switch self {
        case .cannotCreateDataDirectory(let path, let reason): "cannot create data directory \(path): \(reason)"
        case .campaignNotFound(let id): "no campaign \"\(id)\"; `campaignd status` lists the campaigns"
        case .campaignCancelled(let id): "campaign \"\(id)\" was cancelled and cannot be changed; import it under a new id"
        case .attemptNotFound(let id): "no attempt \(id) in the queue"
        case .cannotLock(let path, let reason): "cannot lock \(path): \(reason)"
        }
    }
}
