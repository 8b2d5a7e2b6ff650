package import FedgeCore
import Foundation
import Logging

/// How a round went at one combiner.
package struct CombinerOutcome: Sendable, Hashable {
    package var combiner: String
    package var succeeded: Bool
    package var reason: String
    /// The partial aggregate it uploaded (training rounds that succeeded).
    package var partial: ModelID?
    package var updates: Int
    package var progress: RoundCounts
    package var validations: [ValidationReport]
    package var training: [TrainingReport] = []
    /// Where the round's time went at the combiner (its clients' means, its fold, its partial's upload).
    package var phases: [RoundPhase: Double] = [:]

    package init(
        combiner: String,
        succeeded: Bool,
        reason: String,
        partial: ModelID?,
        updates: Int,
        progress: RoundCounts = RoundCounts(),
        validations: [ValidationReport] = [],
        phases: [RoundPhase: Double] = [:]
    ) {
        self.phases = phases
        self.combiner = combiner
        self.succeeded = succeeded
        self.reason = reason
        self.partial = partial
        self.updates = updates
        self.progress = progress
        self.validations = validations
    }
}
