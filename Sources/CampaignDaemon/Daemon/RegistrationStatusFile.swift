import Foundation
import Scheduler
import Telephony

/// The registering trunks' statuses as the running daemon last saw them, in
/// `DATA_DIR/registrations.json`, so that `campaignd status` (another process) can show them.
/// Written on a serial queue of its own (never on an event loop), replaced atomically, removed
/// when the daemon stops.
// @unchecked Sendable: `queue` serialises every access to `statuses`.
final class RegistrationStatusFile: @unchecked Sendable {
    let path: String
    private let queue = DispatchQueue(label: "campaignd.registrations")
    private var statuses: [String: (text: String, at: Int64)] = [:]

    init(dataDirectory: String) {
        path = dataDirectory + "/registrations.json"
    }

    /// Records `trunk`'s new status and rewrites the file. Any thread.
    func update(_ trunk: String, _ status: RegistrationStateMachine.Status) {
        write(trunk, Self.describe(status))
    }

    /// Records that `trunk` registers and has no answer yet (the daemon's start). Any thread.
    func registering(_ trunk: String) {
        write(trunk, Self.registeringText)
    }

    static let registeringText = "registering (no answer from the registrar yet)"

    private func write(_ trunk: String, _ text: String) {
        let now = Timestamp.nowMs()
        queue.async { [self] in
            statuses[trunk] = (text, now)
            var out = "{"
            for (index, (name, entry)) in statuses.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { out += "," }
                JSONNode.appendQuoted(name, to: &out)
                out += ":{\"status\":"
                JSONNode.appendQuoted(entry.text, to: &out)
                out += ",\"since\":\"\(Timestamp.iso8601(entry.at))\"}"
            }
            try? Data((out + "}\n").utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        }
    }

    /// Removes the file once every update before it is written. Any thread.
    func remove() {
        queue.sync { try? FileManager.default.removeItem(atPath: path) }
    }

    static func describe(_ status: RegistrationStateMachine.Status) -> String {
        switch status {
        case .registered(let expires): "registered (expires \(expires) s, refreshed before)"
        case .unregistered: "not registered"
        case .failed(let code, let reason, let retryIn):
            "not registered: " + (code == 0 ? reason : "\(code) \(reason)") + ", retry in \(retryIn.components.seconds) s"
        }
    }

    /// One registering trunk as the file has it.
    struct Entry: Equatable {
        var trunk: String
        var status: String
        /// ISO 8601, when the status began.
        var since: String
    }

    /// The file's entries by trunk name, or none when there is no file (no daemon running).
    static func entries(dataDirectory: String) -> [Entry] {
        guard let data = FileManager.default.contents(atPath: dataDirectory + "/registrations.json"),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: [String: String]] else { return [] }
        return object.sorted { $0.key < $1.key }.map { trunk, entry in
            Entry(trunk: trunk, status: entry["status"] ?? "?", since: entry["since"] ?? "?")
        }
    }

    /// `trunk: status (since …)` lines from the file, or none when there is no file.
    static func lines(dataDirectory: String) -> [String] {
        entries(dataDirectory: dataDirectory).map { "trunk \($0.trunk): \($0.status) since \($0.since)" }
    }
}
