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
        while process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            Issue.record("\((executable as NSString).lastPathComponent) \(arguments.joined(separator: " ")) ran longer than \(Int(timeout)) s and was killed")
        }
        return Result(
            exitCode: process.terminationStatus,
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
