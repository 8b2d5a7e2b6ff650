package import FedgeAPIModels
import Foundation
import NIOConcurrencyHelpers

/// Recent notable events at a combiner (attach, rounds), kept in memory for its control socket.
package final class CombinerEvents: Sendable {
    private let state = NIOLockedValueBox<(next: Int64, events: [EventDTO])>((1, []))
    private let capacity: Int

    package init(capacity: Int = 500) { self.capacity = capacity }

    package func record(_ kind: String, subject: String? = nil, _ message: String) {
        self.state.withLockedValue { state in
            state.events.append(
                EventDTO(
                    id: state.next,
                    kind: kind,
                    actor: "combiner",
                    subject: subject,
                    message: message,
                    createdAt: Date(),
                    hash: ""
                )
            )
            state.next += 1
            if state.events.count > self.capacity { state.events.removeFirst(state.events.count - self.capacity) }
        }
    }

    /// Newest first.
    package func recent(limit: Int, offset: Int) -> (items: [EventDTO], total: Int) {
        self.state.withLockedValue { state in
            let newest = Array(state.events.reversed())
            return (Array(newest.dropFirst(offset).prefix(limit)), newest.count)
        }
    }
}
