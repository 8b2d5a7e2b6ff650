package import FedgeCore
package import Foundation
package import GRDB

/// An edge client as its combiner last reported it. Never deleted.
package struct ClientRecord: Codable, Hashable, Sendable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "client"

    /// The table's columns, for queries.
    package enum Columns {
        package static let name = Column(CodingKeys.name)
        package static let combiner = Column(CodingKeys.combiner)
        package static let status = Column(CodingKeys.status)
        package static let firstSeen = Column(CodingKeys.firstSeen)
        package static let lastSeen = Column(CodingKeys.lastSeen)
        package static let tasksDone = Column(CodingKeys.tasksDone)
        package static let tasksFailed = Column(CodingKeys.tasksFailed)
        package static let telemetry = Column(CodingKeys.telemetry)
    }

    package var name: String
    package var combiner: CombinerID?
    package var status: ClientLiveness
    package var firstSeen: Date
    package var lastSeen: Date
    package var tasksDone: Int
    package var tasksFailed: Int
    /// The last telemetry, as JSON.
    package var telemetry: String?

    package init(
        name: String,
        combiner: CombinerID?,
        status: ClientLiveness,
        firstSeen: Date,
        lastSeen: Date,
        tasksDone: Int,
        tasksFailed: Int,
        telemetry: String?
    ) {
        self.name = name
        self.combiner = combiner
        self.status = status
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.tasksDone = tasksDone
        self.tasksFailed = tasksFailed
        self.telemetry = telemetry
    }
}
