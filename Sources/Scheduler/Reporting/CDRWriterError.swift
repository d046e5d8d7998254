import Glibc

/// Why the CDR files could not be written. `errno` is the system's error number.
public enum CDRWriterError: Error, Sendable, Equatable, CustomStringConvertible {
    case cannotCreateDirectory(path: String, errno: Int32)
    case cannotOpen(path: String, errno: Int32)
    case cannotWrite(path: String, errno: Int32)
    case cannotRepair(path: String, errno: Int32)
    /// The database could not be read (the records to write come from it).
    case store(String)

    /// The system error number, if the failure came from one.
    public var errno: Int32? {
        switch self {
        case .cannotCreateDirectory(_, let code), .cannotOpen(_, let code), .cannotWrite(_, let code), .cannotRepair(_, let code): code
        case .store: nil
        }
    }

    /// The disk (or the user's quota) is full: it passes once space is freed.
    public var isDiskFull: Bool { errno == ENOSPC || errno == EDQUOT }

    public var description: String {
        func reason(_ code: Int32) -> String { String(cString: strerror(code)) }
        switch self {
        case .cannotCreateDirectory(let path, let code): return "cannot create the CDR directory \(path): \(reason(code))"
        case .cannotOpen(let path, let code): return "cannot open the CDR file \(path): \(reason(code))"
        case .cannotWrite(let path, let code): return "cannot write the CDR file \(path): \(reason(code))"
        case .cannotRepair(let path, let code): return "cannot check the end of the CDR file \(path): \(reason(code))"
        case .store(let message): return "cannot read finished calls from the queue: \(message)"
        }
    }
}
