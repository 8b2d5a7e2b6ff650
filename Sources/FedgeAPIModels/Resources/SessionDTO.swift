package import Foundation

/// A session: `queued`, `running`, `finished`, `stopped` or `failed`.
package struct SessionDTO: Sendable, Hashable, Codable {
    package var id: String
    package var status: String
    /// The config with every default filled in.
    package var config: SessionConfigDTO
    package var createdAt: Date
    package var seedModel: String
    /// Rounds that ended (committed or failed).
    package var roundsDone: Int
    /// The newest model the session committed.
    package var latestModel: String?
    package var reason: String?

    package init(
        id: String,
        status: String,
        config: SessionConfigDTO,
        createdAt: Date,
        seedModel: String,
        roundsDone: Int,
        latestModel: String?,
        reason: String?
    ) {
        self.id = id
        self.status = status
        self.config = config
        self.createdAt = createdAt
        self.seedModel = seedModel
        self.roundsDone = roundsDone
        self.latestModel = latestModel
        self.reason = reason
    }
}
