package import Foundation

/// An entry of the audit trail (or, on the live stream, a progress notice with `id` 0).
package struct EventDTO: Sendable, Hashable, Codable {
    package var id: Int64
    package var kind: String
    package var actor: String
    package var subject: String?
    package var message: String
    package var createdAt: Date
    /// The entry's hash in the audit chain (empty for progress notices, which are not stored).
    package var hash: String

    package init(
        id: Int64,
        kind: String,
        actor: String,
        subject: String?,
        message: String,
        createdAt: Date,
        hash: String
    ) {
        self.id = id
        self.kind = kind
        self.actor = actor
        self.subject = subject
        self.message = message
        self.createdAt = createdAt
        self.hash = hash
    }
}
