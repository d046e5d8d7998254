import Scheduler

/// The CDR files, written from the queue on the writer's own thread. On cancellation (after the
/// dispatcher returned) it writes every line still missing, then stops; lines it cannot write now
/// (a full disk) are written at the next start, from the database.
struct CDRService: DaemonService {
    let writer: CDRWriter
    var name: String { "cdr" }

    func run() async {
        writer.start()
        await waitForCancellation()
        await writer.shutdown()
        if writer.isBlocked {
            Log.warning("CDR lines not written yet; the next start writes them from the queue", [("directory", writer.directory)])
        }
    }
}
