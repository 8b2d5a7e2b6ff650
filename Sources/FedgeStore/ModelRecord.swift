package import FedgeCore
package import Foundation
package import GRDB

/// One model of the trail: never updated, never deleted.
package struct ModelRecord: Codable, Hashable, Sendable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "model"

    /// The table's columns, for queries.
    package enum Columns {
        package static let id = Column(CodingKeys.id)
        package static let parent = Column(CodingKeys.parent)
        package static let session = Column(CodingKeys.session)
        package static let round = Column(CodingKeys.round)
        package static let aggregator = Column(CodingKeys.aggregator)
        package static let size = Column(CodingKeys.size)
        package static let totalWeight = Column(CodingKeys.totalWeight)
        package static let metrics = Column(CodingKeys.metrics)
        package static let createdAt = Column(CodingKeys.createdAt)
    }

    /// The SHA-256 of the model file.
    package var id: String
    /// The model it was aggregated from; `nil` for a seed.
    package var parent: String?
    package var session: SessionID?
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
        session: SessionID? = nil,
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

    /// The table's columns, for queries.
    package enum Columns {
        package static let model = Column(CodingKeys.model)
        package static let client = Column(CodingKeys.client)
        package static let combiner = Column(CodingKeys.combiner)
        package static let weight = Column(CodingKeys.weight)
        package static let update = Column(CodingKeys.update)
    }

    package var model: String
    package var client: String
    package var combiner: CombinerID?
    package var weight: Double
    package var update: String

    package init(model: ModelID, _ contribution: Contribution) {
        self.model = model.hex
        self.client = contribution.client
        self.combiner = contribution.combiner.map(CombinerID.init)
        self.weight = contribution.weight
        self.update = contribution.update.hex
    }
}
