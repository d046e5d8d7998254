import Foundation

/// An exclusive `flock` on `DATADIR/campaignd.lock`, held for the life of the process, so a
/// second daemon (or an overlapping cron run) on the same data directory refuses to start.
final class DataDirectoryLock {
    private let fd: Int32

    enum LockError: Error, CustomStringConvertible {
        case held(path: String, holder: String)
        case cannotOpen(String, String)

        var description: String {
            switch self {
            case .held(let path, let holder):
                "another campaignd is already running on this data directory (\(holder)); lock file \(path)"
            case .cannotOpen(let path, let reason):
                "cannot open lock file \(path): \(reason)"
            }
        }
    }

    init(dataDirectory: String) throws {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let path = dataDirectory + "/campaignd.lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LockError.cannotOpen(path, String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            close(fd)
            throw LockError.held(path: path, holder: holder.map { "pid \($0)" } ?? "unknown pid")
        }
        ftruncate(fd, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { write(fd, $0, strlen($0)) }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
