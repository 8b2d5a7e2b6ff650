package import FedgeCore
package import Foundation
package import GRDB

/// One measurement, for a round (no client) or a client.
package struct MetricRecord: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord {
    package static let databaseTableName = "metric"

    /// The table's columns, for queries.
    package enum Columns {
        package static let id = Column(CodingKeys.id)
        package static let session = Column(CodingKeys.session)
        package static let round = Column(CodingKeys.round)
        package static let client = Column(CodingKeys.client)
        package static let name = Column(CodingKeys.name)
        package static let value = Column(CodingKeys.value)
        package static let createdAt = Column(CodingKeys.createdAt)
    }

    package var id: Int64?
    package var session: SessionID?
    package var round: Int?
    package var client: String?
    package var name: String
    package var value: Double
    package var createdAt: Date

    package init(
        session: SessionID?,
        round: Int?,
        client: String?,
        name: String,
        value: Double,
        createdAt: Date = Date()
    ) {
        self.session = session
        self.round = round
        self.client = client
        self.name = name
        self.value = value
        self.createdAt = createdAt
    }

    package mutating func didInsert(_ inserted: InsertionSuccess) { self.id = inserted.rowID }
}
