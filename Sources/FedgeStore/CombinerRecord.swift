package import FedgeCore
package import Foundation
package import GRDB

/// A combiner the controller has seen. Never deleted: one that goes away is marked offline.
package struct CombinerRecord: Codable, Hashable, Sendable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "combiner"

    /// The table's columns, for queries.
    package enum Columns {
        package static let name = Column(CodingKeys.name)
        package static let address = Column(CodingKeys.address)
        package static let status = Column(CodingKeys.status)
        package static let firstSeen = Column(CodingKeys.firstSeen)
        package static let lastSeen = Column(CodingKeys.lastSeen)
    }

    package var name: CombinerID
    package var address: String
    package var status: CombinerStatus
    package var firstSeen: Date
    package var lastSeen: Date

    package init(name: CombinerID, address: String, status: CombinerStatus, firstSeen: Date, lastSeen: Date) {
        self.name = name
        self.address = address
        self.status = status
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
    }
}
