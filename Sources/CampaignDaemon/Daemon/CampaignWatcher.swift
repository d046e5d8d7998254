import Foundation
import Scheduler

/// The drop folder: campaign files (`*.csv`, `*.json`) directly in `campaignsDir` are imported once
/// their size stopped changing; valid ones move to `imported/`, invalid ones to `rejected/` with
/// `NAME.errors.txt` listing every problem. `lists/` and `prompts/` are not imported on their own.
///
/// Files are imported one after another, except that while a big file is imported, a file of
/// another campaign no bigger than `aheadLimitBytes` that settled meanwhile is imported whole between
/// two of its chunks (`ImportGap`): a 200 MB file does not hold up the small one dropped after it.
final class CampaignWatcher<C: Clock> where C.Duration == Duration {
    let directory: String
    let importer: CampaignImporter
    /// Called after a file added contacts (the daemon wakes the dispatcher with it).
    let onImported: @Sendable () -> Void
    let clock: C
    /// Size seen at the last scan, per file; a file is taken when two scans agree.
    private var lastSizes: [String: Int] = [:]

    /// Files up to this size (about 1.3 million contacts of targets only) go ahead of a bigger one.
    static var aheadLimitBytes: Int { 16 << 20 }
    /// How long a file's size must stay the same, seen between chunks, before it goes ahead.
    static var settleTime: Duration { .seconds(1) }
    /// How often the folder is listed between chunks of an import.
    static var aheadScanInterval: Duration { .milliseconds(250) }

    /// Sizes seen between chunks of the import in progress, and since when.
    private var aheadSizes: [String: (size: Int, since: C.Instant)] = [:]
    private var lastAheadScan: C.Instant?
    /// Files that cannot go ahead of the import in progress (its own campaign's, or a store error).
    private var notAhead: Set<String> = []

    init(directory: String, importer: CampaignImporter, clock: C, onImported: @escaping @Sendable () -> Void = {}) {
        self.directory = directory
        self.importer = importer
        self.clock = clock
        self.onImported = onImported
    }

    /// Imports the files whose size is stable since the previous call (or all of them, if `settled`).
    /// Returns how many files were handled.
    @discardableResult
    func scan(settled: Bool = false) -> Int {
        var handled = 0
        var sizes: [String: Int] = [:]
        for (name, path, size) in campaignFiles() {
            sizes[name] = size
            guard settled || lastSizes[name] == size else { continue }
            // A file imported ahead of an earlier one in this scan is gone from the folder.
            guard FileManager.default.fileExists(atPath: path) else { continue }
            handle(name: name, path: path, size: size, settled: settled)
            sizes[name] = nil
            handled += 1
        }
        lastSizes = sizes
        return handled
    }

    /// The campaign files in the folder, by name, with their sizes.
    private func campaignFiles() -> [(name: String, path: String, size: Int)] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var files: [(name: String, path: String, size: Int)] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let lowered = name.lowercased()
            guard lowered.hasSuffix(".csv") || lowered.hasSuffix(".json") else { continue }
            let path = directory + "/" + name
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                  attributes[.type] as? FileAttributeType == .typeRegular,
                  let size = (attributes[.size] as? NSNumber)?.intValue else { continue }
            files.append((name, path, size))
        }
        return files
    }

    private func handle(name: String, path: String, size: Int, settled: Bool) {
        aheadSizes = [:]
        lastAheadScan = nil
        notAhead = []
        // A big file takes minutes: say which one is being read.
        Log.info("campaign file importing", [("file", name), ("bytes", String(size))])
        let outcome: CampaignImporter.Outcome
        do {
            outcome = try importer.importFile(at: path) { gap in
                self.importAhead(of: name, size: size, settled: settled, gap: gap)
            }
        } catch {
            // A store error: leave the file where it is and try again at the next scan.
            Log.error("campaign file not imported", [("file", name), ("error", "\(error)")])
            return
        }
        report(outcome, name: name, path: path, aheadOf: nil)
    }

    /// Between two chunks of the import of `current`: imports the small files that settled meanwhile.
    private func importAhead(of current: String, size currentSize: Int, settled: Bool, gap: ImportGap) {
        let now = clock.now
        if let last = lastAheadScan, last.duration(to: now) < Self.aheadScanInterval { return }
        lastAheadScan = now
        for (name, path, size) in campaignFiles() where name != current && !notAhead.contains(name) {
            guard size <= Self.aheadLimitBytes, size < currentSize else { continue }
            // Settled: the same size as at the last scan, or unchanged between chunks for settleTime.
            var stable = settled || lastSizes[name] == size
            if let seen = aheadSizes[name], seen.size == size {
                stable = stable || seen.since.duration(to: now) >= Self.settleTime
            } else {
                aheadSizes[name] = (size, now)
            }
            guard stable else { continue }
            do {
                guard let outcome = try gap.importAhead(at: path) else {
                    notAhead.insert(name)
                    continue
                }
                report(outcome, name: name, path: path, aheadOf: current)
            } catch {
                notAhead.insert(name)
                Log.error("campaign file not imported", [("file", name), ("error", "\(error)")])
            }
        }
    }

    private func report(_ outcome: CampaignImporter.Outcome, name: String, path: String, aheadOf current: String?) {
        let ahead = current.map { [("ahead_of", $0)] } ?? []
        switch outcome {
        case .imported(let result):
            if let when = result.alreadyImportedAt {
                Log.info("campaign file already imported", [("file", name), ("campaign", result.campaignID), ("imported_at", when)] + ahead)
            } else {
                Log.info("campaign file imported", [
                    ("file", name), ("campaign", result.campaignID), ("added", String(result.contactsAdded)),
                    ("already_present", String(result.contactsAlreadyPresent)), ("duplicates", String(result.duplicatesInFile)),
                    ("skipped_dnc", String(result.skippedDNC)),
                ] + ahead)
                if result.contactsAdded > 0 { onImported() }
            }
            move(path, to: "imported")
        case .invalid(let failure):
            let errorsPath = directory + "/rejected/" + name + ".errors.txt"
            move(path, to: "rejected")
            try? (failure.description + "\n").write(toFile: errorsPath, atomically: true, encoding: .utf8)
            Log.warning("campaign file rejected", [("file", name), ("problems", String(failure.diagnostics.count)),
                                                  ("errors", "rejected/" + name + ".errors.txt")] + ahead)
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
