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

    /// Runs `campaignd ARGS` in `directory` with no stdin; fails the test if it runs longer than 60 s.
    static func run(_ arguments: [String], in directory: String) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes fully before waiting, so a large output cannot block the child.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            exitCode: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
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

    func campaignd(_ arguments: String...) throws -> CampaigndProcess.Result {
        try CampaigndProcess.run(arguments, in: path)
    }

    /// `status --json` decoded into campaign id → counts.
    func statusCounts() throws -> [String: [String: Any]] {
        let result = try campaignd("status", "--json")
        #expect(result.exitCode == 0, "status failed: \(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let campaigns = object?["campaigns"] as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: campaigns.map { ($0["id"] as? String ?? "", $0) })
    }
}
