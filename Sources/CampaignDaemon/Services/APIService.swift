/// The HTTP API (on an event loop): open until the group is cancelled.
struct APIService: DaemonService {
    let server: APIServer
    var name: String { "api" }

    func run() async {
        await waitForCancellation()
        server.stop()
    }
}
