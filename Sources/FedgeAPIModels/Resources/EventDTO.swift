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
    /// `ok`, or `refused` for a request that was turned away.
    package var outcome: String
    /// Where the actor called from, when known.
    package var address: String?

    package init(
        id: Int64,
        kind: String,
        actor: String,
        subject: String?,
        message: String,
        createdAt: Date,
        hash: String,
        outcome: String = "ok",
        address: String? = nil
    ) {
        self.id = id
        self.kind = kind
        self.actor = actor
        self.subject = subject
        self.message = message
        self.createdAt = createdAt
        self.hash = hash
        self.outcome = outcome
        self.address = address
    }
}
