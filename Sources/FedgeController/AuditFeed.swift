package import FedgeAPIModels
import NIOConcurrencyHelpers

/// Fans events out to live subscribers (the SSE stream the console follows). Audit events are stored first and
/// then published; progress notices are published only. A slow subscriber loses its oldest events, never blocks
/// the controller.
package final class AuditFeed: Sendable {
    private struct State {
        var subscribers: [Int: AsyncStream<EventDTO>.Continuation] = [:]
        var next = 0
    }

    private let state = NIOLockedValueBox(State())

    package init() {}

    /// Publishes `event` to every subscriber.
    package func publish(_ event: EventDTO) {
        let subscribers = self.state.withLockedValue { Array($0.subscribers.values) }
        for subscriber in subscribers { subscriber.yield(event) }
    }

    /// A stream of the events published from now on; it ends when the caller stops iterating.
    package func subscribe(buffer: Int = 1024) -> AsyncStream<EventDTO> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: EventDTO.self,
            bufferingPolicy: .bufferingNewest(buffer)
        )
        let id = self.state.withLockedValue { state in
            defer { state.next += 1 }
            state.subscribers[state.next] = continuation
            return state.next
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLockedValue { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }
}
