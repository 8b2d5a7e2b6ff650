package import Foundation
import GRDB

/// Issued tokens: recorded when made, listed, revoked.
extension FedgeDatabase {
    package func insertToken(_ record: TokenRecord) async throws {
        try await self.writer.write { db in try record.insert(db) }
    }

    /// Tokens, newest first; expired ones only when `includeExpired`.
    package func tokens(includeExpired: Bool, now: Date = Date()) async throws -> [TokenRecord] {
        try await self.writer.read { db in
            var request = TokenRecord.order(TokenRecord.Columns.createdAt.desc)
            if !includeExpired { request = request.filter(TokenRecord.Columns.expiresAt > now) }
            return try request.fetchAll(db)
        }
    }

    package func token(_ id: String) async throws -> TokenRecord? {
        try await self.writer.read { db in try TokenRecord.fetchOne(db, key: id) }
    }

    /// Marks a token revoked; returns the record, or `nil` when no token has that id. Revoking twice keeps the
    /// first time.
    package func revokeToken(_ id: String, at date: Date = Date()) async throws -> TokenRecord? {
        try await self.writer.write { db in
            guard var record = try TokenRecord.fetchOne(db, key: id) else { return nil }
            if record.revokedAt == nil {
                record.revokedAt = date
                try record.update(db)
            }
            return record
        }
    }

    /// The ids of revoked tokens that have not expired yet (expired ones are refused anyway).
    package func revokedTokenIDs(now: Date = Date()) async throws -> Set<String> {
        try await self.writer.read { db in
            Set(
                try String.fetchAll(
                    db,
                    TokenRecord.select(TokenRecord.Columns.id).filter(
                        TokenRecord.Columns.revokedAt != nil && TokenRecord.Columns.expiresAt > now
                    )
                )
            )
        }
    }
}
