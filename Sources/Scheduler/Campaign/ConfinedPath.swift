import Foundation

/// A file named in a campaign, resolved inside the one folder it may come from.
///
/// Campaign files are written by people outside the daemon's trust boundary, so `contactsFile`
/// must not reach `/etc/passwd` or `../../secret.csv`, directly or through a symlink: the path is
/// resolved (relative to its folder, `..` and symlinks followed) and must end inside the real path
/// of the folder. Nothing outside is opened.
enum ConfinedPath {
    enum Problem: Error, Sendable, Equatable {
        /// The resolved path leaves the folder.
        case outside
        /// Nothing is there (or the name cannot name a file, e.g. it holds a NUL).
        case missing
        /// Inside the folder, but a directory, FIFO, device or socket.
        case notARegularFile
    }

    /// The real path (no symlinks, no `..`) of `name` if it is a regular file inside `folder`.
    ///
    /// - Parameters:
    ///   - name: the path as written; relative names are relative to `folder`, absolute ones are
    ///     accepted only if they resolve inside it.
    ///   - folder: the folder the file must be in (itself may be reached through a symlink).
    static func resolve(_ name: String, in folder: String) -> Result<String, Problem> {
        guard !name.utf8.contains(0) else { return .failure(.missing) }
        let candidate = name.hasPrefix("/") ? name : folder + "/" + name
        let lexicalFolder = standardized(folder)
        let realFolder = realPath(folder)
        guard let real = realPath(candidate) else {
            // Nothing to follow: judge the name as written, so a missing file outside is still "outside".
            let lexical = standardized(candidate)
            let inside = isInside(lexical, lexicalFolder) || realFolder.map { isInside(lexical, $0) } == true
            return .failure(inside ? .missing : .outside)
        }
        guard let realFolder, isInside(real, realFolder) else { return .failure(.outside) }
        var info = stat()
        guard stat(real, &info) == 0 else { return .failure(.missing) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { return .failure(.notARegularFile) }
        return .success(real)
    }

    /// Whether `path` is strictly below `folder` (both absolute and standardized).
    static func isInside(_ path: String, _ folder: String) -> Bool {
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        return path.count > prefix.count && path.hasPrefix(prefix)
    }

    /// `path` made absolute with `.`, `..` and repeated slashes removed, symlinks not followed.
    static func standardized(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var parts: [Substring] = []
        for part in absolute.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": _ = parts.popLast()
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// `realpath(3)`: absolute, every symlink and `..` resolved; nil if some component does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
