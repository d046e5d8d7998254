import Dispatch
import Foundation
import Scheduler

/// SIGTERM and SIGINT ask the dispatcher to stop claiming and drain; SIGHUP reopens the CDR file
/// (logrotate). The handlers are installed when the service is made, before any other part starts,
/// and signals arrive on a dispatch source, not on the shared pool.
final class SignalService: DaemonService, @unchecked Sendable {
    // @unchecked Sendable: `sources` is written once in init and then only read (cancelled in `run`).
    private var sources: [DispatchSourceSignal] = []
    var name: String { "signals" }

    init(stop: StopSignal, cdr: CDRWriter) {
        for number in [SIGTERM, SIGINT, SIGHUP] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if number == SIGHUP {
                    cdr.reopen()
                    Log.info("CDR file reopened (SIGHUP)")
                } else {
                    Log.info("stopping: no new calls; live calls may finish", [("signal", number == SIGTERM ? "TERM" : "INT")])
                    stop.request()
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    func run() async {
        await waitForCancellation()
        for source in sources { source.cancel() }
    }
}
