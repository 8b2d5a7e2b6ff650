package import FedgeCore
package import Foundation
package import GRDB

/// A filter and page for list queries.
package struct ListQuery: Sendable, Hashable {
    package var limit: Int = 50
    package var offset: Int = 0
    /// column → value equality filters (only columns the caller allows).
    package var filters: [String: String] = [:]

    package init(limit: Int = 50, offset: Int = 0, filters: [String: String] = [:]) {
        self.limit = limit
        self.offset = offset
        self.filters = filters
    }
}

extension FedgeDatabase {
    // MARK: Combiners and clients

    /// Records that combiner `name` is attached (creating it the first time).
    package func combinerOnline(name: CombinerID, address: String, at date: Date = Date()) async throws {
        try await self.writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO combiner (name, address, status, firstSeen, lastSeen) VALUES (?, ?, 'online', ?, ?)
                    ON CONFLICT(name) DO UPDATE SET address = excluded.address, status = 'online', lastSeen = excluded.lastSeen
                    """,
                arguments: [name, address, date, date]
            )
        }
    }

    /// Marks combiner `name` offline, and its clients with it.
    package func combinerOffline(name: CombinerID, at date: Date = Date()) async throws {
        try await self.writer.write { db in
            try db.execute(sql: "UPDATE combiner SET status = 'offline', lastSeen = ? WHERE name = ?", arguments: [date, name])
            try db.execute(sql: "UPDATE client SET status = 'offline' WHERE combiner = ? AND status != 'offline'", arguments: [name])
        }
    }

    /// Marks every combiner and client offline (at start-up, before any has attached again).
    /// Synchronous: called once at startup, before anything is served.
    package func markEverythingOffline() throws {
        try self.writer.write { db in
            try db.execute(sql: "UPDATE combiner SET status = 'offline' WHERE status != 'offline'")
            try db.execute(sql: "UPDATE client SET status = 'offline' WHERE status != 'offline'")
        }
    }

    /// Records a combiner's report of its clients: new ones are added, known ones updated (a client that moved
    /// to this combiner is re-homed).
    package func recordClients(_ clients: [ClientRecord]) async throws {
        guard !clients.isEmpty else { return }
        try await self.writer.write { db in
            for client in clients {
                try db.execute(
                    sql: """
                        INSERT INTO client (name, combiner, status, firstSeen, lastSeen, tasksDone, tasksFailed, telemetry)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT(name) DO UPDATE SET
                          combiner = CASE WHEN excluded.status = 'offline' AND client.combiner != excluded.combiner
                                          THEN client.combiner ELSE excluded.combiner END,
                          status = CASE WHEN excluded.status = 'offline' AND client.combiner != excluded.combiner
                                        THEN client.status ELSE excluded.status END,
                          lastSeen = MAX(client.lastSeen, excluded.lastSeen),
                          tasksDone = excluded.tasksDone, tasksFailed = excluded.tasksFailed,
                          telemetry = COALESCE(excluded.telemetry, client.telemetry)
                        """,
                    arguments: [client.name, client.combiner, client.status, client.firstSeen, client.lastSeen,
                                client.tasksDone, client.tasksFailed, client.telemetry]
                )
            }
        }
    }

    package func combiners(_ query: ListQuery = ListQuery()) async throws -> (items: [CombinerRecord], total: Int) {
        try await self.page(CombinerRecord.all(), query, allowed: [CombinerRecord.Columns.status], order: [CombinerRecord.Columns.name])
    }

    package func clients(_ query: ListQuery = ListQuery()) async throws -> (items: [ClientRecord], total: Int) {
        try await self.page(ClientRecord.all(), query, allowed: [ClientRecord.Columns.status, ClientRecord.Columns.combiner], order: [ClientRecord.Columns.name])
    }

    /// Clients per combiner by status.
    package func clientCounts() async throws -> [String: [String: Int]] {
        try await self.writer.read { db in
            var out: [String: [String: Int]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT combiner, status, COUNT(*) AS n FROM client GROUP BY combiner, status") {
                let combiner: String? = row["combiner"]
                out[combiner ?? "", default: [:]][row["status"]] = row["n"]
            }
            return out
        }
    }

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
        try await self.page(SessionRecord.all(), query, allowed: [SessionRecord.Columns.status], order: [SessionRecord.Columns.createdAt.desc, SessionRecord.Columns.id])
    }

    /// The session to train next: one that was running (interrupted by a restart) before the oldest queued one.
    package func nextSession() async throws -> SessionRecord? {
        try await self.writer.read { db in
            try SessionRecord.fetchOne(db, sql: """
                SELECT * FROM session WHERE status IN ('running', 'queued')
                ORDER BY CASE status WHEN 'running' THEN 0 ELSE 1 END, createdAt, id LIMIT 1
                """)
        }
    }

    package func setSessionStatus(_ id: SessionID, _ status: SessionStatus, reason: String? = nil, at date: Date = Date()) async throws {
        try await self.writer.write { db in
            try db.execute(sql: "UPDATE session SET status = ?, reason = ?, updatedAt = ? WHERE id = ?",
                           arguments: [status.rawValue, reason, date, id])
        }
    }

    // MARK: Rounds

    /// Starts round `round` (or restarts one a crash interrupted).
    package func startRound(_ round: RoundRecord) async throws {
        try await self.writer.write { db in
            try round.upsert(db)
            try db.execute(sql: "DELETE FROM roundParticipation WHERE session = ? AND round = ?", arguments: [round.session, round.number])
        }
    }

    /// Ends every round of `session` still marked running (the session stopped or failed under it).
    package func closeRunningRounds(session: SessionID, status: RoundStatus, reason: String, at date: Date = Date()) async throws {
        try await self.writer.write { db in
            try db.execute(sql: "UPDATE round SET status = ?, reason = ?, endedAt = ? WHERE session = ? AND status = 'running'",
                           arguments: [status.rawValue, reason, date, session])
        }
    }

    /// Notes that combiner `name` was heard from.
    package func combinerSeen(name: CombinerID, at date: Date = Date()) async throws {
        try await self.writer.write { db in
            try db.execute(sql: "UPDATE combiner SET lastSeen = ? WHERE name = ?", arguments: [date, name])
        }
    }

    package func updateRound(_ round: RoundRecord) async throws {
        try await self.writer.write { db in try round.update(db) }
    }

    package func round(session: SessionID, number: Int) async throws -> RoundRecord? {
        try await self.writer.read { db in try RoundRecord.fetchOne(db, key: ["session": session, "number": number]) }
    }

    package func rounds(_ query: ListQuery = ListQuery()) async throws -> (items: [RoundRecord], total: Int) {
        try await self.page(RoundRecord.all(), query, allowed: [RoundRecord.Columns.session, RoundRecord.Columns.status], order: [RoundRecord.Columns.startedAt.desc, RoundRecord.Columns.number.desc])
    }

    /// The rounds of a session, first to last.
    package func rounds(ofSession session: SessionID) async throws -> [RoundRecord] {
        try await self.writer.read { db in
            try RoundRecord.filter(RoundRecord.Columns.session == session).order(RoundRecord.Columns.number).fetchAll(db)
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
            try ParticipationRecord.filter(ParticipationRecord.Columns.session == session && ParticipationRecord.Columns.round == round).order(ParticipationRecord.Columns.combiner).fetchAll(db)
        }
    }

    // MARK: Validations and metrics

    package func recordValidation(_ validation: ValidationRecord) async throws {
        try await self.writer.write { db in
            var validation = validation
            try validation.insert(db)
        }
    }

    package func validations(_ query: ListQuery = ListQuery()) async throws -> (items: [ValidationRecord], total: Int) {
        try await self.page(ValidationRecord.all(), query, allowed: [ValidationRecord.Columns.model, ValidationRecord.Columns.client], order: [ValidationRecord.Columns.id.desc])
    }

    /// The validations of model `id`.
    package func validations(of id: String) async throws -> [ValidationRecord] {
        try await self.writer.read { db in try ValidationRecord.filter(ValidationRecord.Columns.model == id).order(ValidationRecord.Columns.client).fetchAll(db) }
    }

    package func recordMetrics(_ metrics: [MetricRecord]) async throws {
        try await self.writer.write { db in
            for var metric in metrics { try metric.insert(db) }
        }
    }

    package func metrics(_ query: ListQuery = ListQuery()) async throws -> (items: [MetricRecord], total: Int) {
        try await self.page(MetricRecord.all(), query, allowed: [MetricRecord.Columns.session, MetricRecord.Columns.round, MetricRecord.Columns.client, MetricRecord.Columns.name], order: [MetricRecord.Columns.id.desc])
    }

    // MARK: Packages

    /// Adds a package; the same bytes uploaded again keep their first name. Returns the stored record.
    package func insertPackage(_ package: PackageRecord) async throws -> PackageRecord {
        try await self.writer.write { db in
            if let existing = try PackageRecord.fetchOne(db, key: package.id) { return existing }
            try package.insert(db)
            return package
        }
    }

    package func packages(_ query: ListQuery = ListQuery()) async throws -> (items: [PackageRecord], total: Int) {
        try await self.page(PackageRecord.all(), query, allowed: [PackageRecord.Columns.name], order: [PackageRecord.Columns.createdAt.desc])
    }

    // MARK: Pages

    /// The number of models in the trail.
    package func modelCount() async throws -> Int {
        try await self.writer.read { db in try ModelRecord.fetchCount(db) }
    }

    package func eventCount() async throws -> Int {
        try await self.writer.read { db in try EventRecord.fetchCount(db) }
    }

    fileprivate func page<Record: FetchableRecord & TableRecord>(
        _ request: QueryInterfaceRequest<Record>,
        _ query: ListQuery,
        allowed: [Column],
        order: [any SQLOrderingTerm]
    ) async throws -> (items: [Record], total: Int) where Record: Sendable {
        var request = request
        // Only the columns the caller allows can be filtered on, by name.
        for column in allowed {
            if let value = query.filters[column.name] { request = request.filter(column == value) }
        }
        let filtered = request
        let paged = filtered.order(order).limit(max(0, min(query.limit, 1000)), offset: max(0, query.offset))
        return try await self.writer.read { db in
            (try paged.fetchAll(db), try filtered.fetchCount(db))
        }
    }
}

extension FedgeDatabase {
    /// Events, newest first, optionally of one kind or subject.
    package func events(_ query: ListQuery) async throws -> (items: [EventRecord], total: Int) {
        try await self.page(EventRecord.all(), query, allowed: [EventRecord.Columns.kind, EventRecord.Columns.subject], order: [EventRecord.Columns.id.desc])
    }

    /// Events stored after event `id`, oldest first (for a live stream that resumes where it left off).
    package func events(after id: Int64, limit: Int = 1000) async throws -> [EventRecord] {
        try await self.writer.read { db in
            try EventRecord.filter(EventRecord.Columns.id > id).order(EventRecord.Columns.id).limit(limit).fetchAll(db)
        }
    }

    /// The models whose id starts with `prefix` (at most `limit`).
    package func models(withPrefix prefix: String, limit: Int = 2) async throws -> [ModelRecord] {
        let pattern = prefix.lowercased().filter { $0.isHexDigit }
        guard !pattern.isEmpty, pattern.count == prefix.count else { return [] }
        return try await self.writer.read { db in
            try ModelRecord.filter(ModelRecord.Columns.id.like("\(pattern)%")).order(ModelRecord.Columns.id).limit(limit).fetchAll(db)
        }
    }

    /// The number of contributions and the validations of each model in `ids`, in one read (two queries however
    /// many models: a page of the trail is described without a query per model).
    package func contributorsAndValidations(of ids: [String]) async throws -> (contributors: [String: Int], validations: [String: [ValidationRecord]]) {
        guard !ids.isEmpty else { return ([:], [:]) }
        return try await self.writer.read { db in
            var contributors: [String: Int] = [:]
            let counts = try Row.fetchAll(db, ContributionRecord.select(ContributionRecord.Columns.model, count(ContributionRecord.Columns.client).forKey("n"))
                .filter(ids.contains(ContributionRecord.Columns.model)).group(ContributionRecord.Columns.model))
            for row in counts { contributors[row["model"]] = row["n"] }
            let validations = try ValidationRecord.filter(ids.contains(ValidationRecord.Columns.model)).order(ValidationRecord.Columns.client).fetchAll(db)
            return (contributors, Dictionary(grouping: validations, by: \.model))
        }
    }

    /// Models, newest first, optionally of one session.
    package func models(_ query: ListQuery) async throws -> (items: [ModelRecord], total: Int) {
        try await self.page(ModelRecord.all(), query, allowed: [ModelRecord.Columns.session], order: [ModelRecord.Columns.createdAt.desc, ModelRecord.Columns.id])
    }

}
