import Crypto
package import Foundation
package import GRDB

/// One entry of the audit trail: every state change and every refused request. Each entry's hash covers its
/// fields and the previous entry's hash, so editing or removing any entry breaks the chain.
package struct AuditEventRecord: Codable, Hashable, Sendable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "event"

    /// The table's columns, for queries.
    package enum Columns {
        package static let id = Column(CodingKeys.id)
        package static let kind = Column(CodingKeys.kind)
        package static let actor = Column(CodingKeys.actor)
        package static let subject = Column(CodingKeys.subject)
        package static let message = Column(CodingKeys.message)
        package static let createdAt = Column(CodingKeys.createdAt)
        package static let previousHash = Column(CodingKeys.previousHash)
        package static let hash = Column(CodingKeys.hash)
        package static let outcome = Column(CodingKeys.outcome)
        package static let address = Column(CodingKeys.address)
    }

    /// The outcome of an action that was carried out.
    package static let succeeded = "ok"
    /// The outcome of a refused request.
    package static let refused = "refused"

    package var id: Int64?
    /// What happened, as a dotted name ("session.started", "update.refused").
    package var kind: String
    /// Who did it: a user, a token, a combiner, or "controller".
    package var actor: String
    /// What it happened to (a session id, a model id), if anything.
    package var subject: String?
    package var message: String
    package var createdAt: Date
    package var previousHash: String
    package var hash: String
    /// `ok`, or `refused` for a request that was turned away.
    package var outcome: String = Self.succeeded
    /// Where the actor called from, when known.
    package var address: String?

    /// The hash of the entry's fields chained to `previousHash`.
    static func chainHash(
        kind: String,
        actor: String,
        subject: String?,
        message: String,
        createdAt: Date,
        previousHash: String,
        outcome: String = AuditEventRecord.succeeded,
        address: String? = nil
    ) -> String {
        var hasher = SHA256()
        let millis = Int64((createdAt.timeIntervalSince1970 * 1000).rounded())
        // The outcome and address joined the chain later: they count only when set, so entries written before
        // them hash as they always did.
        var fields = [previousHash, kind, actor, subject ?? "", message, String(millis)]
        if outcome != Self.succeeded { fields.append("outcome=\(outcome)") }
        if let address { fields.append("address=\(address)") }
        for field in fields {
            // Length-prefixed, so no two different field lists hash alike.
            hasher.update(data: Data("\(field.utf8.count):".utf8))
            hasher.update(data: Data(field.utf8))
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

extension FedgeDatabase {
    /// The hash the first entry chains to.
    package static let genesisHash = String(repeating: "0", count: 64)

    /// `text` with every NUL replaced by U+FFFD, which the database stores and returns whole.
    static func storable(_ text: String) -> String {
        text.contains("\u{0}") ? text.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : text
    }

    /// Appends an event to the audit trail, chained to the last one, in one transaction.
    @discardableResult
    package func appendAuditEvent(
        kind: String,
        actor: String,
        subject: String? = nil,
        message: String,
        outcome: String = AuditEventRecord.succeeded,
        address: String? = nil,
        at date: Date = Date()
    ) async throws -> AuditEventRecord {
        // Text as SQLite gives it back: a NUL would be cut off on the way out and the entry would no longer match its
        // hash, so the trail would look tampered with (a combiner's mutated hello did it).
        let (kind, actor, subject, message, address) = (
            Self.storable(kind), Self.storable(actor), subject.map(Self.storable), Self.storable(message),
            address.map(Self.storable)
        )
        return try await self.writer.write { db in
            let previous =
                try String.fetchOne(db, sql: "SELECT hash FROM event ORDER BY id DESC LIMIT 1") ?? Self.genesisHash
            // Stored at millisecond precision, the precision the hash covers.
            let createdAt = Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
            var event = AuditEventRecord(
                id: nil,
                kind: kind,
                actor: actor,
                subject: subject,
                message: message,
                createdAt: createdAt,
                previousHash: previous,
                hash: AuditEventRecord.chainHash(
                    kind: kind,
                    actor: actor,
                    subject: subject,
                    message: message,
                    createdAt: createdAt,
                    previousHash: previous,
                    outcome: outcome,
                    address: address
                ),
                outcome: outcome,
                address: address
            )
            try event.insert(db)
            event.id = db.lastInsertedRowID
            return event
        }
    }

    /// Recomputes the audit chain; returns the id of the first entry that does not fit, or `nil` when it is sound.
    package func verifyAuditTrail() async throws -> Int64? {
        try await self.checkAuditTrail().brokenAt
    }

    /// Recomputes the audit chain: the first entry that does not fit (an edited entry, or the one after a
    /// deleted entry), and the head hash an operator can keep elsewhere to anchor the trail.
    package func checkAuditTrail() async throws -> (brokenAt: Int64?, head: String, events: Int) {
        try await self.writer.read { db in
            var previous = Self.genesisHash
            var count = 0
            for event in try AuditEventRecord.order(AuditEventRecord.Columns.id).fetchAll(db) {
                count += 1
                let expected = AuditEventRecord.chainHash(
                    kind: event.kind,
                    actor: event.actor,
                    subject: event.subject,
                    message: event.message,
                    createdAt: event.createdAt,
                    previousHash: previous,
                    outcome: event.outcome,
                    address: event.address
                )
                guard event.previousHash == previous, event.hash == expected else {
                    return (event.id, previous, count)
                }
                previous = event.hash
            }
            return (nil, previous, count)
        }
    }
}
