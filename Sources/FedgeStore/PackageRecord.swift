import FedgeCore
package import Foundation
package import GRDB

/// A compute package: its archive's SHA-256 (a blob), its name and size.
package struct PackageRecord: Codable, Hashable, Sendable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "package"

    /// The table's columns, for queries.
    package enum Columns {
        package static let id = Column(CodingKeys.id)
        package static let name = Column(CodingKeys.name)
        package static let createdAt = Column(CodingKeys.createdAt)
        package static let size = Column(CodingKeys.size)
    }

    package var id: String
    package var name: String
    package var createdAt: Date
    package var size: Int64

    package init(id: String, name: String, createdAt: Date, size: Int64) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.size = size
    }
}
