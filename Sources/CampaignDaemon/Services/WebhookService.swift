import Scheduler

/// Webhook delivery (its own thread for the outbox, posts on an event loop). On cancellation it
/// first gives the outbox `drainTimeout` (for `run --once`: what the run produced goes out before it
/// exits), then stops after the posts in flight.
struct WebhookService: DaemonService {
    let webhooks: WebhookDeliverer
    let drainTimeout: Duration?
    var name: String { "webhooks" }

    func run() async {
        webhooks.start()
        await waitForCancellation()
        // The drain sleeps between looks, and this task is cancelled by now: it runs in a task of its
        // own, awaited here (not left behind).
        if let drainTimeout, !(await Task { await webhooks.drain(timeout: drainTimeout) }.value) {
            Log.warning("webhooks not delivered yet; the next run resumes them", [("waiting", String(webhooks.pending))])
        }
        await webhooks.shutdown()
    }
}
