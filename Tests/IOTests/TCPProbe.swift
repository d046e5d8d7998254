import Foundation
import IO

/// Records what a TCP connection tells its handlers (from the loop's thread) for a test to check,
/// and lets the test wait for a condition on it, bounded by a timeout.
final class TCPProbe: @unchecked Sendable {
    // @unchecked Sendable: `lock` guards every recorded field.
    private let lock = NSLock()
    private var receivedBytes: [UInt8] = []
    private var writability: [Bool] = []
    private var inputEnded = false
    private var closedWith: IOError??
    private var closedCount = 0

    var received: [UInt8] { lock.withLock { receivedBytes } }
    var writabilityChanges: [Bool] { lock.withLock { writability } }
    var sawInputClosed: Bool { lock.withLock { inputEnded } }
    /// `.none` while open; `.some(nil)` after a clean close; `.some(error)` after a failure.
    var closed: IOError?? { lock.withLock { closedWith } }
    /// How many times `closed` was called (once is right).
    var closeCount: Int { lock.withLock { closedCount } }

    /// Handlers that record into this probe; `inputClosed` and `received` can add behaviour.
    func handlers(onReceive: ((UnsafeRawBufferPointer) -> Void)? = nil, onWritable: ((Bool) -> Void)? = nil,
                  onInputClosed: (() -> Void)? = nil) -> TCPConnection.Handlers {
        TCPConnection.Handlers(
            received: { [self] bytes in
                lock.withLock { receivedBytes.append(contentsOf: bytes) }
                onReceive?(bytes)
            },
            inputClosed: onInputClosed.map { body in
                { [self] in
                    lock.withLock { inputEnded = true }
                    body()
                }
            },
            writabilityChanged: { [self] writable in
                lock.withLock { writability.append(writable) }
                onWritable?(writable)
            },
            closed: { [self] error in
                lock.withLock {
                    closedWith = .some(error)
                    closedCount += 1
                }
            })
    }

    /// Waits until `condition` holds (checked every few milliseconds), at most `timeout`.
    @discardableResult
    func wait(timeout: Duration = .seconds(10), until condition: (TCPProbe) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if condition(self) { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return condition(self)
    }
}

/// A value handed from a loop callback to the test, set once.
final class Box<Value>: @unchecked Sendable {
    // @unchecked Sendable: `lock` guards `stored`.
    private let lock = NSLock()
    private var stored: Value?

    var value: Value? { lock.withLock { stored } }
    func set(_ value: Value) { lock.withLock { stored = value } }

    func wait(timeout: Duration = .seconds(10)) async -> Value? {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if let value { return value }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return value
    }
}
