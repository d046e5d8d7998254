import Foundation

/// An exclusive `flock` on `DATADIR/campaignd-import.lock`, held while a campaign file is imported,
/// so that imports (the daemon's drop folder, `campaignd import` beside it) run one at a time and
/// whoever holds it knows that an unfinished import in the queue was abandoned by a crash.
final class ImportLock {
    private let fd: Int32

    /// Waits for the lock (`wait`), or returns nil at once if another import holds it.
    init?(dataDirectory: String, wait: Bool) throws {
        let path = dataDirectory + "/campaignd-import.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError.cannotLock(path, String(cString: strerror(errno))) }
        while flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0 {
            if errno == EINTR { continue }
            let reason = errno
            close(fd)
            if reason == EWOULDBLOCK { return nil }
            throw StoreError.cannotLock(path, String(cString: strerror(reason)))
        }
        self.fd = fd
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
