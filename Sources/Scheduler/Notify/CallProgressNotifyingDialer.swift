import Telephony

/// A `Dialer` that passes every call to another and, as each call's events go by, enqueues the
/// call-progress webhooks its campaign asked for (`notifyEvents`: started, ringing, early-media).
/// Each is queued with the writer before the event is handed on, so it is committed ahead of the
/// `answered` and final webhooks the dispatcher writes later: a call's webhooks stay in order.
public struct CallProgressNotifyingDialer: Dialer {
    let inner: any Dialer
    let writer: QueueWriter
    let onError: @Sendable (String) -> Void

    /// - Parameter onError: told when a progress webhook could not be enqueued (the call goes on).
    public init(wrapping inner: any Dialer, writer: QueueWriter, onError: @escaping @Sendable (String) -> Void) {
        self.inner = inner
        self.writer = writer
        self.onError = onError
    }

    /// The one consumer's iterator over the inner stream.
    private final class Events: @unchecked Sendable {
        // @unchecked Sendable: used only by the stream's single consumer, one `next` at a time.
        var iterator: AsyncStream<CallEvent>.Iterator
        init(_ stream: AsyncStream<CallEvent>) { iterator = stream.makeAsyncIterator() }
    }

    public func placeCall(_ request: CallRequest) async -> AsyncStream<CallEvent> {
        let events = Events(await inner.placeCall(request))
        guard let callID = request.callID else { return AsyncStream(unfolding: { await events.iterator.next() }) }
        let writer = self.writer, onError = self.onError
        return AsyncStream(unfolding: {
            let event = await events.iterator.next()
            let progress: CallProgressEvent? = switch event {
            case .inviteSent: .started
            case .ringing: .ringing
            case .earlyMedia: .earlyMedia
            default: nil
            }
            if let progress {
                writer.enqueueProgressEvent(sipCallID: callID, event: progress) { error in
                    onError("cannot enqueue the \(progress.rawValue) webhook of call \(callID): \(error)")
                }
            }
            return event
        })
    }

    public func hangUp(sipCallID: String) async {
        await inner.hangUp(sipCallID: sipCallID)
    }

    public func mediaCapacity() -> Int? {
        inner.mediaCapacity()
    }

    // Forwarded, not left to the protocol's defaults (every trunk ready): without them `run` dialed
    // through a registering trunk before its first binding.
    public func isTrunkReady(_ name: String) -> Bool {
        inner.isTrunkReady(name)
    }

    public func registrationFailure(_ name: String) -> String? {
        inner.registrationFailure(name)
    }
}
