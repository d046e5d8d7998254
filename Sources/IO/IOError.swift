#if canImport(Glibc)
import Glibc
#endif

/// What a socket or loop operation failed with: the call and the errno, matchable by code.
public struct IOError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// A system call failed; `errno` says why.
        case system
        /// An address that is not an IP literal (or could not be resolved).
        case badAddress
        /// The channel is closed.
        case closed
        /// A connection or read did not complete in time.
        case timedOut
    }

    public var code: Code
    /// The failing call ("bind", "connect", …) or what was wrong.
    public var operation: String
    public var errno: Int32

    public init(_ code: Code, _ operation: String, errno: Int32 = 0) {
        self.code = code
        self.operation = operation
        self.errno = errno
    }

    /// The current errno for a failed `operation`.
    static func system(_ operation: String) -> IOError {
        IOError(.system, operation, errno: Glibc.errno)
    }

    public var description: String {
        switch code {
        case .system: "\(operation): \(String(cString: strerror(errno)))"
        case .badAddress: "bad address: \(operation)"
        case .closed: "\(operation): channel closed"
        case .timedOut: "\(operation): timed out"
        }
    }
}
