package import FedgeAggregation
package import FedgeCore

/// How a round ended at this combiner.
package struct RoundResult: Sendable {
    package var plan: RoundPlan
    package var succeeded: Bool
    package var reason: String
    /// The combiner-level aggregate of a successful training round.
    package var partial: PartialAggregate?
    package var selected: Int
    package var received: Int
    package var failed: Int
    /// Uploads refused during the round, by reason.
    package var refused: [Refusal: Int]
    /// Validation reports of a validation round, by client name.
    package var validations: [String: [String: Double]]
    /// What the trainers reported with the updates that were accepted, by client name: metrics and weight.
    package var trainingMetrics: [String: TrainingMetrics] = [:]
    /// Where the round's time went at this combiner: the clients' download, train and upload (means over the
    /// accepted updates) and the fold (total); the link adds the partial's upload.
    package var phases: [RoundPhase: Double] = [:]

    /// One client's training report.
    package struct TrainingMetrics: Sendable, Hashable {
        package var metrics: [String: Double]
        package var numExamples: Double
    }
}
