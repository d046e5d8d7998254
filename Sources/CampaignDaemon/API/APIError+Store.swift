import Scheduler

extension APIError {
    /// The API's view of an error from the store or validation.
    init(_ error: any Error) {
        switch error {
        case let error as APIError: self = error
        case let failure as ValidationFailure: self = .validation(failure.diagnostics)
        case _ where StoreError.isDatabaseLocked(error): self = .queueLocked(retryAfter: Self.lockedRetryAfter)
        case let error as APIStoreError:
            switch error {
            case .campaignNotFound(let id): self = .notFound("no campaign \"\(id)\"")
            case .campaignCancelled(let id): self = .campaignCancelled(id)
            case .onDNC(let target): self = .onDNC(target)
            case .callNotFound(let id): self = .notFound("no call \"\(id)\"")
            case .tooManyCalls(let campaign, let limit):
                self = .refused(429, "campaign \"\(campaign)\" has \(limit) calls in progress, its limit")
            }
        case let error as StoreError:
            switch error {
            case .campaignNotFound(let id): self = .notFound("no campaign \"\(id)\"")
            case .campaignCancelled(let id): self = .campaignCancelled(id)
            case .cannotCreateDataDirectory, .attemptNotFound, .cannotLock: self = .unavailable("\(error)")
            case .databaseLocked: self = .queueLocked(retryAfter: Self.lockedRetryAfter)
            }
        default: self = .unavailable("\(error)")
        }
    }

    /// Seconds a client is asked to wait while the queue is locked: the daemon sees the lock go
    /// within about two seconds of it going (`LockedDatabaseBackoff.maxDelay`).
    static let lockedRetryAfter = 5
}
