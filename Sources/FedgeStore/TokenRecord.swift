package import Foundation
package import GRDB

/// A token that was issued: its id, whom and what role it names, and its life. The token's text is never stored;
/// revocation is by id.
package struct TokenRecord: Codable, Hashable, Sendable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "token"

    package enum Columns {
        package static let id = Column(CodingKeys.id)
        package static let subject = Column(CodingKeys.subject)
        package static let role = Column(CodingKeys.role)
        package static let createdAt = Column(CodingKeys.createdAt)
        package static let expiresAt = Column(CodingKeys.expiresAt)
        package static let revokedAt = Column(CodingKeys.revokedAt)
    }

    package var id: String
    package var subject: String
    package var role: String
    package var createdAt: Date
    package var expiresAt: Date
    package var revokedAt: Date?
    /// Who made it (the creator's identity, or `init`).
    package var createdBy: String

    package init(
        id: String,
        subject: String,
        role: String,
        createdAt: Date,
        expiresAt: Date,
        revokedAt: Date? = nil,
        createdBy: String
    ) {
        self.id = id
        self.subject = subject
        self.role = role
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.createdBy = createdBy
    }
}
