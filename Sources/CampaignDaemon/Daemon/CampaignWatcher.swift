import Foundation
import Scheduler

/// The drop folder: campaign files (`*.csv`, `*.json`) directly in `campaignsDir` are imported once
/// their size stopped changing; valid ones move to `imported/`, invalid ones to `rejected/` with
/// `NAME.errors.txt` listing every problem. `lists/` and `prompts/` are not imported on their own.
final class CampaignWatcher {
    let directory: String
    let importer: CampaignImporter
    /// Called after a file added contacts (the daemon wakes the dispatcher with it).
    let onImported: @Sendable () -> Void
    /// Size seen at the last scan, per file; a file is taken when two scans agree.
    private var lastSizes: [String: Int] = [:]

    init(directory: String, importer: CampaignImporter, onImported: @escaping @Sendable () -> Void = {}) {
        self.directory = directory
        self.importer = importer
        self.onImported = onImported
    }

    /// Imports the files whose size is stable since the previous call (or all of them, if `settled`).
    /// Returns how many files were handled.
    @discardableResult
    func scan(settled: Bool = false) -> Int {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return 0 }
        var handled = 0
        var sizes: [String: Int] = [:]
        for name in names.sorted() where !name.hasPrefix(".") {
            let lowered = name.lowercased()
            guard lowered.hasSuffix(".csv") || lowered.hasSuffix(".json") else { continue }
            let path = directory + "/" + name
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                  attributes[.type] as? FileAttributeType == .typeRegular,
                  let size = (attributes[.size] as? NSNumber)?.intValue else { continue }
            sizes[name] = size
            guard settled || lastSizes[name] == size else { continue }
            handle(name: name, path: path)
            sizes[name] = nil
            handled += 1
        }
        lastSizes = sizes
        return handled
    }

    private func handle(name: String, path: String) {
        do {
            switch try importer.importFile(at: path) {
            case .imported(let result):
                if let when = result.alreadyImportedAt {
                    Log.info("campaign file already imported", [("file", name), ("campaign", result.campaignID), ("imported_at", when)])
                } else {
                    Log.info("campaign file imported", [
                        ("file", name), ("campaign", result.campaignID), ("added", String(result.contactsAdded)),
                        ("already_present", String(result.contactsAlreadyPresent)), ("duplicates", String(result.duplicatesInFile)),
                        ("skipped_dnc", String(result.skippedDNC)),
                    ])
                    if result.contactsAdded > 0 { onImported() }
                }
                move(path, to: "imported")
            case .invalid(let failure):
                let errorsPath = directory + "/rejected/" + name + ".errors.txt"
                move(path, to: "rejected")
                try? (failure.description + "\n").write(toFile: errorsPath, atomically: true, encoding: .utf8)
                Log.warning("campaign file rejected", [("file", name), ("problems", String(failure.diagnostics.count)),
                                                      ("errors", "rejected/" + name + ".errors.txt")])
            }
        } catch {
            // A store error: leave the file where it is and try again at the next scan.
            Log.error("campaign file not imported", [("file", name), ("error", "\(error)")])
        }
    }

    /// Moves `path` into `folder`, adding a time stamp when a file of that name is already there.
    private func move(_ path: String, to folder: String) {
        let target = directory + "/" + folder
        try? FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        let name = (path as NSString).lastPathComponent
        var destination = target + "/" + name
        if FileManager.default.fileExists(atPath: destination) {
            let stamp = Timestamp.iso8601(Timestamp.nowMs()).replacingOccurrences(of: ":", with: "")
            destination = target + "/" + stamp + "-" + name
            if folder == "rejected" {
                try? FileManager.default.removeItem(atPath: target + "/" + name + ".errors.txt")
                destination = target + "/" + name
                try? FileManager.default.removeItem(atPath: destination)
            }
        }
        do {
            try FileManager.default.moveItem(atPath: path, toPath: destination)
        } catch {
            Log.error("cannot move campaign file", [("file", name), ("to", folder), ("error", "\(error)")])
        }
    }
}
