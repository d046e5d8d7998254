/// The Prometheus endpoint (on an event loop): open until the group is cancelled.
struct MetricsService: DaemonService {
    let server: MetricsServer
    var name: String { "metrics" }

    func run() async {
        await waitForCancellation()
        server.stop()
    }
}
