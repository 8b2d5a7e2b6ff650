import FedgeCore
import Foundation
import GRDB

/// The audit trail's events, read back (appending and verifying live with `AuditEventRecord`).
extension FedgeDatabase {
    /// Events, newest first, optionally of one kind or subject.
    package func auditEvents(_ query: ListQuery) async throws -> (items: [AuditEventRecord], total: Int) {
        var request = AuditEventRecord.all()
        if let since = query.since { request = request.filter(AuditEventRecord.Columns.createdAt >= since) }
        return try await self.page(
            request,
            query,
            allowed: [
                AuditEventRecord.Columns.kind, AuditEventRecord.Columns.subject, AuditEventRecord.Columns.actor,
                AuditEventRecord.Columns.outcome,
            ],
            order: [AuditEventRecord.Columns.id.desc]
        )
    }

    /// Events stored after event `id`, oldest first (for a live stream that resumes where it left off).
    package func auditEvents(after id: Int64, limit: Int = 1000) async throws -> [AuditEventRecord] {
        try await self.writer.read { db in
            try AuditEventRecord.filter(AuditEventRecord.Columns.id > id).order(AuditEventRecord.Columns.id).limit(
                limit
            ).fetchAll(db)
        }
    }

    /// The number of events in the audit trail.
    package func auditEventCount() async throws -> Int {
        try await self.writer.read { db in try AuditEventRecord.fetchCount(db) }
    }
}
