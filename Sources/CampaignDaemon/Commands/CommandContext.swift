import Foundation
import Scheduler

/// What every command needs: the invocation, the configuration and the store.
struct CommandContext {
    var invocation: Invocation

    /// The configuration from `--config`, else `./campaignd.json` if it exists, else built-in defaults.
    func configuration() throws(CLIError) -> Configuration {
        var configuration: Configuration
        if let path = invocation.configPath {
            do { configuration = try Configuration(path: path) } catch { throw .configuration(error) }
        } else if FileManager.default.fileExists(atPath: "campaignd.json") {
            do { configuration = try Configuration(path: "campaignd.json") } catch { throw .configuration(error) }
        } else {
            configuration = Configuration()
        }
        if let data = invocation.dataDirectory { configuration.dataDirectory = data }
        return configuration
    }

    func openStore(_ configuration: Configuration) throws(CLIError) -> QueueStore {
        do {
            return try QueueStore(dataDirectory: configuration.dataDirectory)
        } catch {
            throw .failure("cannot open the queue in \(configuration.dataDirectory): \(error)")
        }
    }
}
