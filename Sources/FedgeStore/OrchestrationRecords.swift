package import Foundation
package import GRDB

/// A combiner the controller has seen. Never deleted: one that goes away is marked offline.
package struct CombinerRecord: Codable, Hashable, Sendable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "combiner"

    package var name: String
    package var address: String
    /// `online` or `offline`.
    package var status: String
    package var firstSeen: Date
    package var lastSeen: Date

    package init(name: String, address: String, status: String, firstSeen: Date, lastSeen: Date) {
        self.name = name
        self.address = address
        self.status = status
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
    }
}

/// An edge client as its combiner last reported it. Never deleted.
package struct ClientRecord: Codable, Hashable, Sendable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "client"

    package var name: String
    package var combiner: String?
    /// `online`, `stale` or `offline`.
    package var status: String
    package var firstSeen: Date
    package var lastSeen: Date
    package var tasksDone: Int
    package var tasksFailed: Int
    /// The last telemetry, as JSON.
    package var telemetry: String?

    package init(name: String, combiner: String?, status: String, firstSeen: Date, lastSeen: Date, tasksDone: Int,
                 tasksFailed: Int, telemetry: String?) {
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

/// A session: its config (JSON of `SessionConfig`), status, and the model it started from.
package struct SessionRecord: Codable, Hashable, Sendable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "session"

    package var id: String
    package var config: String
    package var status: String
    package var createdAt: Date
    package var seedModel: String
    package var reason: String?
    package var updatedAt: Date?

    package init(id: String, config: String, status: String, createdAt: Date, seedModel: String, reason: String? = nil, updatedAt: Date? = nil) {
        self.id = id
        self.config = config
        self.status = status
        self.createdAt = createdAt
        self.seedModel = seedModel
        self.reason = reason
        self.updatedAt = updatedAt
    }
}

/// One round of a session.
package struct RoundRecord: Codable, Hashable, Sendable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "round"

    package var session: String
    package var number: Int
    package var status: String
    package var startedAt: Date
    package var endedAt: Date?
    /// The model the round committed.
    package var model: String?
    /// The blob holding the server optimizer's state after this round.
    package var optimizerState: String?
    package var reason: String?
    package var deadline: Date?
    package var expected: Int
    package var minimum: Int
    package var received: Int

    package init(session: String, number: Int, status: String, startedAt: Date, endedAt: Date? = nil, model: String? = nil,
                 optimizerState: String? = nil, reason: String? = nil, deadline: Date? = nil, expected: Int = 0,
                 minimum: Int = 1, received: Int = 0) {
        self.session = session
        self.number = number
        self.status = status
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.model = model
        self.optimizerState = optimizerState
        self.reason = reason
        self.deadline = deadline
        self.expected = expected
        self.minimum = minimum
        self.received = received
    }
}

/// One combiner's part in one round.
package struct ParticipationRecord: Codable, Hashable, Sendable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "roundParticipation"

    package var session: String
    package var round: Int
    package var combiner: String
    package var selected: Int
    package var received: Int
    package var failed: Int
    package var refused: Int
    package var partial: String?

    package init(session: String, round: Int, combiner: String, selected: Int, received: Int, failed: Int, refused: Int, partial: String?) {
        self.session = session
        self.round = round
        self.combiner = combiner
        self.selected = selected
        self.received = received
        self.failed = failed
        self.refused = refused
        self.partial = partial
    }
}

/// One client's validation of one model.
package struct ValidationRecord: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord {
    package static let databaseTableName = "validation"

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

/// One measurement, for a round (no client) or a client.
package struct MetricRecord: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord {
    package static let databaseTableName = "metric"

    package var id: Int64?
    package var session: String?
    package var round: Int?
    package var client: String?
    package var name: String
    package var value: Double
    package var createdAt: Date

    package init(session: String?, round: Int?, client: String?, name: String, value: Double, createdAt: Date = Date()) {
        self.session = session
        self.round = round
        self.client = client
        self.name = name
        self.value = value
        self.createdAt = createdAt
    }

    package mutating func didInsert(_ inserted: InsertionSuccess) { self.id = inserted.rowID }
}

/// A compute package: its archive's SHA-256 (a blob), its name and size.
package struct PackageRecord: Codable, Hashable, Sendable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "package"

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
