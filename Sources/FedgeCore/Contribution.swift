/// One update's share in an aggregate: who sent it, through which combiner, with what weight, and its hash.
///
/// Contributions travel with partial aggregates from combiners to the controller and end up in the model trail.
package struct Contribution: Hashable, Sendable, Codable {
    /// The client that trained the update (its registered name).
    package var client: String
    /// The combiner that folded the update, or `nil` when it was aggregated offline.
    package var combiner: String?
    /// The update's weight in the average, normally its `num_examples`.
    package var weight: Double
    /// The SHA-256 of the update file.
    package var update: ModelID

    package init(client: String, combiner: String? = nil, weight: Double, update: ModelID) {
        self.client = client
        self.combiner = combiner
        self.weight = weight
        self.update = update
    }
}
