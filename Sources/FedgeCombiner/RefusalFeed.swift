package import FedgeProto
package import Logging
import NIOConcurrencyHelpers
import SwiftProtobuf

/// The calls this combiner refused, on their way to the controller's audit trail. While the link to the controller
/// is down they wait here (the newest `capacity`); each is also logged when it happens.
package final class RefusalFeed: Sendable {
    private struct State {
        var pending: [Fedge_V1_NodeRefusal] = []
        var sink: (@Sendable (Fedge_V1_NodeRefusal) -> Bool)? = nil
    }

    private let state = NIOLockedValueBox(State())
    private let capacity: Int
    private let logger: Logger

    package init(capacity: Int = 256, logger: Logger) {
        self.capacity = capacity
        self.logger = logger
    }

    /// Notes a refused call of `actor` (the token's subject, or the one a refused token claims).
    package func report(actor: String?, address: String?, action: String, reason: String, message: String) {
        self.logger.warning(
            "Call refused",
            metadata: [
                "fedge.method": "\(action)", "fedge.address": "\(address ?? "-")", "fedge.actor": "\(actor ?? "-")",
                "fedge.reason": "\(reason)", "fedge.error": "\(message)",
            ]
        )
        let refusal = Fedge_V1_NodeRefusal.with {
            $0.actor = actor ?? "unknown"
            $0.address = address ?? ""
            $0.action = action
            $0.reason = reason
            $0.message = message
        }
        self.state.withLockedValue { state in
            if let sink = state.sink, sink(refusal) { return }
            state.pending.append(refusal)
            if state.pending.count > self.capacity { state.pending.removeFirst(state.pending.count - self.capacity) }
        }
    }

    /// Hands the waiting refusals, and every later one, to `sink` (until `disconnect`). A `false` from the sink
    /// keeps the refusal waiting.
    package func connect(_ sink: @escaping @Sendable (Fedge_V1_NodeRefusal) -> Bool) {
        self.state.withLockedValue { state in
            state.sink = sink
            let waiting = state.pending
            state.pending = waiting.filter { !sink($0) }
        }
    }

    /// Keeps refusals waiting again.
    package func disconnect() {
        self.state.withLockedValue { $0.sink = nil }
    }

    /// The refusals waiting for a link to the controller.
    package var waiting: [Fedge_V1_NodeRefusal] { self.state.withLockedValue { $0.pending } }
}
