package import FedgeCore
package import Foundation
package import GRDB

/// One round of a session.
package struct RoundRecord: Codable, Hashable, Sendable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "round"

    /// The table's columns, for queries.
    package enum Columns {
        package static let session = Column(CodingKeys.session)
        package static let number = Column(CodingKeys.number)
        package static let status = Column(CodingKeys.status)
        package static let startedAt = Column(CodingKeys.startedAt)
        package static let endedAt = Column(CodingKeys.endedAt)
        package static let model = Column(CodingKeys.model)
        package static let optimizerState = Column(CodingKeys.optimizerState)
        package static let reason = Column(CodingKeys.reason)
        package static let deadline = Column(CodingKeys.deadline)
        package static let expected = Column(CodingKeys.expected)
        package static let minimum = Column(CodingKeys.minimum)
        package static let received = Column(CodingKeys.received)
        package static let phases = Column(CodingKeys.phases)
    }

    package var session: SessionID
    package var number: Int
    package var status: RoundStatus
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
    /// Where the round's time went, in seconds by phase name (`RoundPhase`); stored as JSON.
    package var phases: [String: Double]?

    package init(
        session: SessionID,
        number: Int,
        status: RoundStatus,
        startedAt: Date,
        endedAt: Date? = nil,
        model: String? = nil,
        optimizerState: String? = nil,
        reason: String? = nil,
        deadline: Date? = nil,
        expected: Int = 0,
        minimum: Int = 1,
        received: Int = 0,
        phases: [String: Double]? = nil
    ) {
        self.phases = phases
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
