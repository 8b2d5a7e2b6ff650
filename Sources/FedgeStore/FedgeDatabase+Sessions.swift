package import FedgeCore
package import Foundation
import GRDB

/// Sessions, their rounds and each combiner's part in them.
extension FedgeDatabase {
    // MARK: Sessions

    package func insertSession(_ session: SessionRecord) async throws {
        try await self.writer.write { db in
            guard try ModelRecord.fetchOne(db, key: session.seedModel) != nil else {
                throw ModelTrailError.unknownModel(session.seedModel)
            }
            try session.insert(db)
        }
    }

    package func session(_ id: SessionID) async throws -> SessionRecord? {
        try await self.writer.read { db in try SessionRecord.fetchOne(db, key: id) }
    }

    package func sessions(_ query: ListQuery = ListQuery()) async throws -> (items: [SessionRecord], total: Int) {
        try await self.page(
            SessionRecord.all(),
            query,
            allowed: [SessionRecord.Columns.status],
            order: [SessionRecord.Columns.createdAt.desc, SessionRecord.Columns.id]
        )
    }

    /// The session to train next: one that was running (interrupted by a restart) before the oldest queued one.
    package func nextSession() async throws -> SessionRecord? {
        try await self.writer.read { db in
            try SessionRecord.fetchOne(
                db,
                sql: """
                    SELECT * FROM session WHERE status IN ('running', 'queued')
                    ORDER BY CASE status WHEN 'running' THEN 0 ELSE 1 END, createdAt, id LIMIT 1
                    """
            )
        }
    }

    package func setSessionStatus(
        _ id: SessionID,
        _ status: SessionStatus,
        reason: String? = nil,
        at date: Date = Date()
    ) async throws {
        try await self.writer.write { db in
            try db.execute(
                sql: "UPDATE session SET status = ?, reason = ?, updatedAt = ? WHERE id = ?",
                arguments: [status.rawValue, reason, date, id]
            )
        }
    }

    // MARK: Rounds

    /// Starts round `round` (or restarts one a crash interrupted).
    package func startRound(_ round: RoundRecord) async throws {
        try await self.writer.write { db in
            try round.upsert(db)
            try db.execute(
                sql: "DELETE FROM roundParticipation WHERE session = ? AND round = ?",
                arguments: [round.session, round.number]
            )
        }
    }

    /// Ends every round of `session` still marked running (the session stopped or failed under it).
    package func closeRunningRounds(
        session: SessionID,
        status: RoundStatus,
        reason: String,
        at date: Date = Date()
    ) async throws {
        try await self.writer.write { db in
            try db.execute(
                sql: "UPDATE round SET status = ?, reason = ?, endedAt = ? WHERE session = ? AND status = 'running'",
                arguments: [status.rawValue, reason, date, session]
            )
        }
    }

    /// Notes that combiner `name` was heard from.
    package func combinerSeen(name: CombinerID, at date: Date = Date()) async throws {
        try await self.writer.write { db in
            try db.execute(sql: "UPDATE combiner SET lastSeen = ? WHERE name = ?", arguments: [date, name])
        }
    }

    /// Records where a round's time went (after its commit and validation, which it times too).
    package func recordRoundPhases(session: SessionID, round: Int, _ phases: [String: Double]) async throws {
        let json = String(decoding: try JSONEncoder().encode(phases), as: UTF8.self)
        try await self.writer.write { db in
            try db.execute(
                sql: "UPDATE round SET phases = ? WHERE session = ? AND number = ?",
                arguments: [json, session, round]
            )
        }
    }

    package func updateRound(_ round: RoundRecord) async throws {
        try await self.writer.write { db in try round.update(db) }
    }

    package func round(session: SessionID, number: Int) async throws -> RoundRecord? {
        try await self.writer.read { db in try RoundRecord.fetchOne(db, key: ["session": session, "number": number]) }
    }

    package func rounds(_ query: ListQuery = ListQuery()) async throws -> (items: [RoundRecord], total: Int) {
        try await self.page(
            RoundRecord.all(),
            query,
            allowed: [RoundRecord.Columns.session, RoundRecord.Columns.status],
            order: [RoundRecord.Columns.startedAt.desc, RoundRecord.Columns.number.desc]
        )
    }

    /// The rounds of a session, first to last.
    package func rounds(ofSession session: SessionID) async throws -> [RoundRecord] {
        try await self.writer.read { db in
            try RoundRecord.filter(RoundRecord.Columns.session == session).order(RoundRecord.Columns.number).fetchAll(
                db
            )
        }
    }

    /// Commits a round in one transaction: the model and its contributions join the trail, the round records them.
    package func commitRound(_ round: RoundRecord, model: ModelRecord, contributions: [Contribution]) async throws {
        try await self.writer.write { db in
            if try ModelRecord.fetchOne(db, key: model.id) == nil {
                if let parent = model.parent, try ModelRecord.fetchOne(db, key: parent) == nil {
                    throw ModelTrailError.unknownParent(parent)
                }
                try model.insert(db)
                for contribution in contributions {
                    try ContributionRecord(model: ModelID(hex: model.id)!, contribution).insert(db)
                }
            }
            try round.update(db)
        }
    }

    package func recordParticipation(_ participation: ParticipationRecord) async throws {
        try await self.writer.write { db in try participation.upsert(db) }
    }

    package func participation(session: SessionID, round: Int) async throws -> [ParticipationRecord] {
        try await self.writer.read { db in
            try ParticipationRecord.filter(
                ParticipationRecord.Columns.session == session && ParticipationRecord.Columns.round == round
            ).order(ParticipationRecord.Columns.combiner).fetchAll(db)
        }
    }
}
