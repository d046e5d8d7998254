import Foundation
import Testing

/// Runs the built `campaignd` binary, as a user would.
struct CampaigndProcess {
    struct Result {
        var exitCode: Int32
        var stdout: String
        var stderr: String
    }

    /// The `campaignd` built next to this test bundle.
    static let binary: String = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("campaignd").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/campaignd").path
    }()

    /// Starts `campaignd ARGS` in `directory` and returns at once; output is discarded, or its
    /// stderr (the log) goes to the file `logPath`, for a failing test to show.
    static func start(_ arguments: [String], in directory: String, logPath: String? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle.nullDevice
        if let logPath {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        } else {
            process.standardError = FileHandle.nullDevice
        }
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs `campaignd ARGS` in `directory` with no stdin and waits for it (at most `timeout`, then it is killed).
    ///
    /// Async, and waits with `Task.sleep`: a test blocking a thread of the small cooperative pool
    /// would starve the other tests' tasks (the dispatcher's among them).
    static func run(_ arguments: [String], in directory: String, timeout: TimeInterval = 180) async throws -> Result {
        try await runTool(binary, arguments, in: directory, timeout: timeout)
    }

    /// Runs any program the same way (no stdin, output to files, killed after `timeout`).
    static func runTool(_ executable: String, _ arguments: [String], in directory: String, timeout: TimeInterval = 180) async throws -> Result {
        // Output goes to files: a pipe read to the end one stream at a time can deadlock a chatty child.
        let id = UUID().uuidString
        let outPath = NSTemporaryDirectory() + "campaignd-out-" + id, errPath = NSTemporaryDirectory() + "campaignd-err-" + id
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        var exitCode = Child.exitStatus(process)
        while exitCode == nil, Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
            exitCode = Child.exitStatus(process)
        }
        if exitCode == nil {
            kill(process.processIdentifier, SIGKILL)
            exitCode = Child.reap(process)
            Issue.record("\((executable as NSString).lastPathComponent) \(arguments.joined(separator: " ")) ran longer than \(Int(timeout)) s and was killed")
        }
        return Result(
            exitCode: exitCode ?? -1,
            stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }
}

/// A working directory with a campaigns folder, removed afterwards.
final class Workspace {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "campaignd-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path + "/campaigns/lists", withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let full = path + "/" + name
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: true, encoding: .utf8)
        return full
    }

    func campaignd(_ arguments: String...) async throws -> CampaigndProcess.Result {
        try await CampaigndProcess.run(arguments, in: path)
    }

    /// `status --json` decoded into campaign id → counts.
    func statusCounts() async throws -> [String: [String: Any]] {
        let result = try await campaignd("status", "--json")
        #expect(result.exitCode == 0, "status failed: \(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let campaigns = object?["campaigns"] as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: campaigns.map { ($0["id"] as? String ?? "", $0) })
    }
}

/// Child processes' ends, seen without relying on Foundation alone: on Linux, `Process` sometimes
/// misses the exit of a child when many are started at once (the suite starts dozens), and then
/// `isRunning` stays true and `waitUntilExit()` spins for ever on a thread of the shared pool. The
/// child is reaped here with `waitpid` as well; whichever reaps it first has its status.
enum Child {
    /// Statuses of children reaped here (Foundation's `terminationStatus` does not know them), by pid
    /// and object: a pid alone may be reused by a later child.
    private struct Key: Hashable {
        var pid: Int32
        var process: ObjectIdentifier
    }
    nonisolated(unsafe) private static var reaped: [Key: Int32] = [:]
    /// When a child was first found reaped by Foundation without `isRunning` saying so.
    nonisolated(unsafe) private static var unreported: [Key: Date] = [:]
    // nonisolated(unsafe): `lock` guards `reaped` and `unreported`.
    private static let lock = NSLock()

    /// The exit status of `process` once it has ended (128 + the signal if one ended it); nil while it runs.
    static func exitStatus(_ process: Process) -> Int32? {
        let pid = process.processIdentifier
        let key = Key(pid: pid, process: ObjectIdentifier(process))
        if let known = lock.withLock({ reaped[key] }) { return known }
        if !process.isRunning { return process.terminationStatus }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        let code: Int32
        if result == pid {
            code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        } else if result == -1, errno == ECHILD {
            // Reaped by Foundation's own monitor, which says so a moment later (or, rarely, never):
            // give it two seconds before calling the status unknown.
            if !process.isRunning { return process.terminationStatus }
            let first = lock.withLock { () -> Date in
                if let seen = unreported[key] { return seen }
                unreported[key] = Date()
                return Date()
            }
            guard Date().timeIntervalSince(first) > 2 else { return nil }
            code = -1
        } else {
            return nil
        }
        lock.withLock { reaped[key] = code }
        return code
    }

    /// Starts `executable` in `directory` with `arguments(port)` for a port from `freePort`, stdout and
    /// stderr in `directory/logName(port)`, and waits (at most `readyWithin` seconds, sleeping without
    /// holding a thread of the shared pool) until `ready(port, log, pid)` holds for the child's pid.
    /// The free port can be taken by another test's process before the child binds it: then the
    /// child exits, and another port is tried, three times at most.
    static func startOnFreePort(_ executable: String, in directory: String, logName: (Int) -> String, freePort: () throws -> Int,
                                readyWithin: Double, arguments: (Int) -> [String],
                                ready: (_ port: Int, _ log: URL, _ pid: Int32) -> Bool) async throws -> (port: Int, process: Process, output: URL) {
        var attempt = 0
        while true {
            attempt += 1
            let port = try freePort()
            let output = URL(fileURLWithPath: directory + "/" + logName(port))
            _ = FileManager.default.createFile(atPath: output.path, contents: nil)
            let log = try FileHandle(forWritingTo: output)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments(port)
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            process.standardOutput = log
            process.standardError = log
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(readyWithin)
            while exitStatus(process) == nil, !ready(port, output, process.processIdentifier), Date() < deadline {
                try? await Task.sleep(for: .milliseconds(10))
            }
            if exitStatus(process) == nil || attempt >= 3 { return (port, process, output) }
        }
    }

    /// Waits up to `seconds`, sleeping between looks, for `process` to end by itself; its exit status, or nil.
    static func waitForExit(_ process: Process, seconds: Double) async -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while exitStatus(process) == nil, Date() < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        return exitStatus(process)
    }

    /// Kills `process` (by its pid) if it is still running, and reaps it.
    static func kill(_ process: Process) {
        guard process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        reap(process)
    }

    /// Waits up to `seconds` for `process` to end (after a signal, usually); its exit status, or nil.
    @discardableResult
    static func reap(_ process: Process, seconds: Double = 10) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let status = exitStatus(process) { return status }
            usleep(5_000)
        }
        return exitStatus(process)
    }
}
