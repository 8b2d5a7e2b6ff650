package import FedgeCore
package import Foundation
package import GRDB

/// A session: its config (JSON of `SessionConfig`), status, and the model it started from.
package struct SessionRecord: Codable, Hashable, Sendable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "session"

    /// The table's columns, for queries.
    package enum Columns {
        package static let id = Column(CodingKeys.id)
        package static let config = Column(CodingKeys.config)
        package static let status = Column(CodingKeys.status)
        package static let createdAt = Column(CodingKeys.createdAt)
        package static let seedModel = Column(CodingKeys.seedModel)
        package static let reason = Column(CodingKeys.reason)
        package static let updatedAt = Column(CodingKeys.updatedAt)
    }

    package var id: SessionID
    package var config: String
    package var status: SessionStatus
    package var createdAt: Date
    package var seedModel: String
    package var reason: String?
    package var updatedAt: Date?

    package init(
        id: SessionID,
        config: String,
        status: SessionStatus,
        createdAt: Date,
        seedModel: String,
        reason: String? = nil,
        updatedAt: Date? = nil
    ) {
        self.id = id
        self.config = config
        self.status = status
        self.createdAt = createdAt
        self.seedModel = seedModel
        self.reason = reason
        self.updatedAt = updatedAt
    }
}
