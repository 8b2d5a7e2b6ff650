package import Foundation

/// A model of the trail.
package struct ModelDTO: Sendable, Hashable, Codable {
    /// The SHA-256 of the model file.
    package var id: String
    package var parent: String?
    package var session: String?
    package var round: Int?
    package var aggregator: String?
    package var size: Int64
    package var totalWeight: Double?
    package var createdAt: Date
    package var active: Bool
    /// Validation metrics, averaged over clients weighted by their examples.
    package var metrics: [String: Double]
    /// How many client updates went into the model (0 for a seed).
    package var contributors: Int
    /// Present when one model is shown.
    package var contributions: [ContributionDTO]?

    package init(
        id: String,
        parent: String?,
        session: String?,
        round: Int?,
        aggregator: String?,
        size: Int64,
        totalWeight: Double?,
        createdAt: Date,
        active: Bool,
        metrics: [String: Double],
        contributors: Int = 0,
        contributions: [ContributionDTO]?
    ) {
        self.id = id
        self.parent = parent
        self.session = session
        self.round = round
        self.aggregator = aggregator
        self.size = size
        self.totalWeight = totalWeight
        self.createdAt = createdAt
        self.active = active
        self.metrics = metrics
        self.contributors = contributors
        self.contributions = contributions
    }
}
