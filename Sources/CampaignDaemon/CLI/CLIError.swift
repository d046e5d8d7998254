import Scheduler

/// Why a command stopped, mapped to an exit code by `Campaignd.main`.
enum CLIError: Error {
    case usage(String, command: String?)
    case configuration(ValidationFailure)
    case invalidInput
    case failure(String)

    var exitCode: ExitCode {
        switch self {
        case .usage: .usage
        case .configuration: .configuration
        case .invalidInput: .invalidInput
        case .failure: .failure
        }
    }
}
