package import FedgeAPIModels
package import FedgeStore
import Foundation
package import Logging

/// The audit trail's writer: every state change is appended to the hash-chained event table, then published to
/// live subscribers and logged.
package actor AuditTrail {
    private let database: FedgeDatabase
    package nonisolated let feed: AuditFeed
    private let logger: Logger

    package init(database: FedgeDatabase, feed: AuditFeed, logger: Logger) {
        self.database = database
        self.feed = feed
        self.logger = logger
    }

    /// Appends an audit event and publishes it. A failure to store it is logged, not thrown: the action it
    /// describes already happened.
    package func record(kind: String, actor: String, subject: String?, message: String) async {
        do {
            let event = try await self.database.appendAuditEvent(
                kind: kind,
                actor: actor,
                subject: subject,
                message: message
            )
            self.feed.publish(EventDTO(event))
        } catch {
            self.logger.error("Audit event not stored", metadata: ["fedge.kind": "\(kind)", "fedge.error": "\(error)"])
        }
        self.logger.notice("\(message)", metadata: ["fedge.event": "\(kind)", "fedge.actor": "\(actor)"])
    }

    /// Publishes a progress notice (not stored: it changes every second).
    package nonisolated func notice(kind: String, subject: String?, message: String) {
        self.feed.publish(
            EventDTO(
                id: 0,
                kind: kind,
                actor: "controller",
                subject: subject,
                message: message,
                createdAt: Date(),
                hash: ""
            )
        )
    }
}

extension EventDTO {
    package init(_ record: AuditEventRecord) {
        self.init(
            id: record.id ?? 0,
            kind: record.kind,
            actor: record.actor,
            subject: record.subject,
            message: record.message,
            createdAt: record.createdAt,
            hash: record.hash
        )
    }
}
