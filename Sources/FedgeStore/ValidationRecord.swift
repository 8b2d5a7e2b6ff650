import FedgeCore
package import Foundation
package import GRDB

/// One client's validation of one model.
package struct ValidationRecord: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord {
    package static let databaseTableName = "validation"

    /// The table's columns, for queries.
    package enum Columns {
        package static let id = Column(CodingKeys.id)
        package static let model = Column(CodingKeys.model)
        package static let client = Column(CodingKeys.client)
        package static let metrics = Column(CodingKeys.metrics)
        package static let numExamples = Column(CodingKeys.numExamples)
        package static let createdAt = Column(CodingKeys.createdAt)
    }

    package var id: Int64?
    package var model: String
    package var client: String
    /// A flat JSON object of metrics.
    package var metrics: String
    package var numExamples: Double
    package var createdAt: Date

    package init(model: String, client: String, metrics: String, numExamples: Double, createdAt: Date = Date()) {
        self.model = model
        self.client = client
        self.metrics = metrics
        self.numExamples = numExamples
        self.createdAt = createdAt
    }

    package mutating func didInsert(_ inserted: InsertionSuccess) { self.id = inserted.rowID }
}
