import Foundation
@testable import Scheduler
import Telephony

/// Runs the dispatcher over the data directory `data` once (`run --once`), with `dialer` placing
/// the calls, then writes the CDR files: what a cron run leaves behind.
func dispatchOnce(_ data: String, _ dialer: any Dialer) async throws {
    let store = try QueueWriter(dataDirectory: data)
    let cdr = try CDRWriter(dataDirectory: data)
    let dispatcher = Dispatcher(store: store, dialer: dialer, cdr: cdr, clock: ContinuousClock(), configuration: .init(
        globalRate: 1000, globalMaxConcurrentCalls: 0, defaultTimeZone: TimeZone(identifier: "UTC")!, refreshInterval: .milliseconds(100)))
    _ = try await dispatcher.run(.once(until: nil))
    try cdr.catchUp()
}
