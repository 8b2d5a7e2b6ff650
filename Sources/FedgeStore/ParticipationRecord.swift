package import FedgeCore
import Foundation
package import GRDB

/// One combiner's part in one round.
package struct ParticipationRecord: Codable, Hashable, Sendable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "roundParticipation"

    /// The table's columns, for queries.
    package enum Columns {
        package static let session = Column(CodingKeys.session)
        package static let round = Column(CodingKeys.round)
        package static let combiner = Column(CodingKeys.combiner)
        package static let selected = Column(CodingKeys.selected)
        package static let received = Column(CodingKeys.received)
        package static let failed = Column(CodingKeys.failed)
        package static let refused = Column(CodingKeys.refused)
        package static let partial = Column(CodingKeys.partial)
    }

    package var session: SessionID
    package var round: Int
    package var combiner: CombinerID
    package var selected: Int
    package var received: Int
    package var failed: Int
    package var refused: Int
    package var partial: String?

    package init(
        session: SessionID,
        round: Int,
        combiner: CombinerID,
        selected: Int,
        received: Int,
        failed: Int,
        refused: Int,
        partial: String?
    ) {
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
