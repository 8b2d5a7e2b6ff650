package import FedgeCore
package import Foundation
import GRDB

/// One model of the trail: never updated, never deleted.
package struct ModelRecord: Codable, Hashable, Sendable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "model"

    /// The SHA-256 of the model file.
    package var id: String
    /// The model it was aggregated from; `nil` for a seed.
    package var parent: String?
    package var session: String?
    package var round: Int?
    package var aggregator: String?
    package var size: Int64
    package var totalWeight: Double?
    /// A flat JSON object of metrics.
    package var metrics: String
    package var createdAt: Date

    package init(
        id: ModelID,
        parent: ModelID?,
        session: String? = nil,
        round: Int? = nil,
        aggregator: String? = nil,
        size: Int64,
        totalWeight: Double? = nil,
        metrics: String = "{}",
        createdAt: Date = Date()
    ) {
        self.id = id.hex
        self.parent = parent?.hex
        self.session = session
        self.round = round
        self.aggregator = aggregator
        self.size = size
        self.totalWeight = totalWeight
        self.metrics = metrics
        self.createdAt = createdAt
    }
}

/// One update's share in a committed model.
package struct ContributionRecord: Codable, Hashable, Sendable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "contribution"

    package var model: String
    package var client: String
    package var combiner: String?
    package var weight: Double
    package var update: String

    package init(model: ModelID, _ contribution: Contribution) {
        self.model = model.hex
        self.client = contribution.client
        self.combiner = contribution.combiner
        self.weight = contribution.weight
        self.update = contribution.update.hex
    }
}
