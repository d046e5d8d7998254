import Scheduler

/// Why a command stopped, mapped to an exit code by `Campaignd.main`.
enum CLIError: Error {
    case usage(String, command: String?)
    case configuration(ValidationFailure)
    case invalidInput
    case failure(String)
    /// `call`: the call ended without being answered (the events already said how).
    case callNotAnswered
    case lockHeld(String)
    /// `run --once` finished with contacts still waiting (the summary says so).
    case workRemains

    var exitCode: ExitCode {
        switch self {
        case .callNotAnswered: .callNotAnswered
        case .lockHeld: .lockHeld
        case .workRemains: .workRemains
        case .usage: .usage
        case .configuration: .configuration
        case .invalidInput: .invalidInput
        case .failure: .failure
        }
    }
}
