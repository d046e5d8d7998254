import Foundation
import Testing

/// The web console in headless Chromium: runs `Tests/Browser/console-browser.sh`, which installs
/// Chromium, chromedriver and selenium when they are missing (apt-get, pip in a virtualenv) and
/// fails, never skips, when it cannot. Screenshots go to `.build/console-screenshots`.
@Suite struct ConsoleBrowserTests {
    @Test(.timeLimit(.minutes(10))) func theConsoleWorksInHeadlessChromium() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("campaignd-console-browser-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outputPath = directory.appendingPathComponent("output.txt").path
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        defer { try? output.close() }

        let script = Process()
        script.executableURL = URL(fileURLWithPath: "/bin/sh")
        script.arguments = [root.appendingPathComponent("Tests/Browser/console-browser.sh").path,
                            root.appendingPathComponent(".build/console-screenshots").path]
        var environment = ProcessInfo.processInfo.environment
        environment["CAMPAIGND_BINARY"] = CampaigndProcess.binary
        environment["TMPDIR"] = environment["TMPDIR"] ?? "/tmp"
        script.environment = environment
        script.standardInput = FileHandle.nullDevice
        script.standardOutput = output
        script.standardError = output
        try script.run()
        // Installing Chromium the first time takes minutes; the checks themselves seconds.
        let status = await Child.waitForExit(script, seconds: 540)
        if status == nil {
            // SIGTERM first: the script (exec'd Python) then stops its daemon and Chromium itself.
            kill(script.processIdentifier, SIGTERM)
            if Child.reap(script, seconds: 20) == nil { Child.kill(script) }
        }
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        #expect(status == 0, "console-browser.sh exited \(status.map(String.init) ?? "after 540 s, killed"):\n\(text)")
        #expect(text.contains("every check passed") && !text.contains("FAIL "), "\(text)")
    }
}
