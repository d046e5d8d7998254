import Foundation
import Scheduler

/// One line per event to stderr: time, a constant message, key=value metadata.
/// Passwords, digest responses and Authorization headers are never passed here.
enum Log {
    static func info(_ message: String, _ fields: [(String, String)] = []) { write("info", message, fields) }
    static func warning(_ message: String, _ fields: [(String, String)] = []) { write("warning", message, fields) }
    static func error(_ message: String, _ fields: [(String, String)] = []) { write("error", message, fields) }

    private static func write(_ level: String, _ message: String, _ fields: [(String, String)]) {
        var line = Timestamp.iso8601(Timestamp.nowMs()) + " " + level + " " + message
        for (key, value) in fields where !value.isEmpty {
            let needsQuotes = value.utf8.contains { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\"") }
            line += " " + key + "=" + (needsQuotes ? "\"" + value.replacingOccurrences(of: "\"", with: "'") + "\"" : value)
        }
        Console.error(line)
    }
}
