import FedgeCore
import Foundation
import Logging

/// A combiner's counts for the round it runs.
package struct RoundCounts: Sendable, Hashable {
    package var selected = 0
    package var received = 0
    package var refused = 0
    package var failed = 0
    /// Refused uploads by reason (`Refusal` raw values).
    package var refusedByReason: [String: Int] = [:]

    package init(
        selected: Int = 0,
        received: Int = 0,
        refused: Int = 0,
        failed: Int = 0,
        refusedByReason: [String: Int] = [:]
    ) {
        self.selected = selected
        self.received = received
        self.refused = refused
        self.failed = failed
        self.refusedByReason = refusedByReason
    }
}
