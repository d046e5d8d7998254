import Scheduler

extension APIError {
    /// The API's view of an error from the store or validation.
    init(_ error: any Error) {
        switch error {
        case let error as APIError: self = error
        case let failure as ValidationFailure: self = .validation(failure.diagnostics)
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
            }
        default: self = .unavailable("\(error)")
        }
    }
}
