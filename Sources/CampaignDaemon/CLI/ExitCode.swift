/// Process exit codes; documented in `campaignd --help` and README.md.
enum ExitCode: Int32 {
    case success = 0
    /// A campaign, contact or DNC file has problems (listed on stderr); nothing of it was imported.
    case invalidInput = 1
    /// The command line is wrong.
    case usage = 2
    /// The configuration file is missing or invalid.
    case configuration = 3
    /// The operation failed: the database cannot be opened or written, a named campaign does not
    /// exist, or (`run --once`) a registering trunk its campaigns need failed to register.
    case failure = 4
    /// `run`: another campaignd holds the data directory's lock.
    case lockHeld = 5
    /// `call`: the call was not answered (busy, declined, no answer, error); the last line says why.
    case callNotAnswered = 6
    /// `run --once`: it finished, but contacts are still waiting (retries due later, closed windows).
    case workRemains = 7
}
