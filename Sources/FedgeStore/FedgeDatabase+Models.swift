package import FedgeCore
import Foundation
import GRDB

/// Why the model trail refused a write.
package enum ModelTrailError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The parent named by a new model is not in the trail.
    case unknownParent(String)
    /// No model with that id is in the trail.
    case unknownModel(String)

    package var description: String {
        switch self {
        case .unknownParent(let id):
            "parent model \(id.prefix(12)) is not in the model trail; upload it as a seed first"
        case .unknownModel(let id): "model \(id.prefix(12)) is not in the model trail"
        }
    }
}

extension FedgeDatabase {
    /// Appends a model and its contributions to the trail, in one transaction. Committing the same model twice
    /// is a no-op.
    package func commitModel(_ model: ModelRecord, contributions: [Contribution]) async throws {
        try await self.writer.write { db in
            if try ModelRecord.fetchOne(db, key: model.id) != nil { return }
            if let parent = model.parent, try ModelRecord.fetchOne(db, key: parent) == nil {
                throw ModelTrailError.unknownParent(parent)
            }
            try model.insert(db)
            for contribution in contributions {
                try ContributionRecord(model: ModelID(hex: model.id)!, contribution).insert(db)
            }
        }
    }

    /// The model with id `id`, or `nil`.
    package func model(_ id: ModelID) async throws -> ModelRecord? {
        try await self.writer.read { db in try ModelRecord.fetchOne(db, key: id.hex) }
    }

    /// The contributions of a model.
    package func contributions(of id: ModelID) async throws -> [ContributionRecord] {
        try await self.writer.read { db in
            try ContributionRecord.filter(ContributionRecord.Columns.model == id.hex).order(
                ContributionRecord.Columns.client
            ).fetchAll(db)
        }
    }

    /// The model's ancestors, parent first, back to its seed.
    package func ancestors(of id: ModelID) async throws -> [ModelRecord] {
        try await self.writer.read { db in
            guard var current = try ModelRecord.fetchOne(db, key: id.hex) else {
                throw ModelTrailError.unknownModel(id.hex)
            }
            var out: [ModelRecord] = []
            var seen: Set<String> = [current.id]
            while let parent = current.parent, let record = try ModelRecord.fetchOne(db, key: parent),
                seen.insert(parent).inserted
            {
                out.append(record)
                current = record
            }
            return out
        }
    }

    /// The models aggregated directly from `id`.
    package func children(of id: ModelID) async throws -> [ModelRecord] {
        try await self.writer.read { db in
            try ModelRecord.filter(ModelRecord.Columns.parent == id.hex).order(
                ModelRecord.Columns.createdAt,
                ModelRecord.Columns.id
            ).fetchAll(db)
        }
    }

    /// Points the active-model pointer (the one row that changes) at `id`.
    package func setActiveModel(_ id: ModelID) async throws {
        try await self.writer.write { db in
            guard try ModelRecord.fetchOne(db, key: id.hex) != nil else { throw ModelTrailError.unknownModel(id.hex) }
            try db.execute(
                sql:
                    "INSERT INTO activeModel (slot, model) VALUES (1, ?) ON CONFLICT(slot) DO UPDATE SET model = excluded.model",
                arguments: [id.hex]
            )
        }
    }

    /// The active model, or `nil` before any was set.
    package func activeModel() async throws -> ModelID? {
        try await self.writer.read { db in
            try String.fetchOne(db, sql: "SELECT model FROM activeModel WHERE slot = 1").flatMap(ModelID.init(hex:))
        }
    }

    /// The models whose id starts with `prefix` (at most `limit`).
    package func models(withPrefix prefix: String, limit: Int = 2) async throws -> [ModelRecord] {
        let pattern = prefix.lowercased().filter { $0.isHexDigit }
        guard !pattern.isEmpty, pattern.count == prefix.count else { return [] }
        return try await self.writer.read { db in
            try ModelRecord.filter(ModelRecord.Columns.id.like("\(pattern)%")).order(ModelRecord.Columns.id).limit(
                limit
            ).fetchAll(db)
        }
    }

    /// The number of contributions and the validations of each model in `ids`, in one read (two queries however
    /// many models: a page of the trail is described without a query per model).
    package func contributorsAndValidations(
        of ids: [String]
    ) async throws -> (contributors: [String: Int], validations: [String: [ValidationRecord]]) {
        guard !ids.isEmpty else { return ([:], [:]) }
        return try await self.writer.read { db in
            var contributors: [String: Int] = [:]
            let counts = try Row.fetchAll(
                db,
                ContributionRecord.select(
                    ContributionRecord.Columns.model,
                    count(ContributionRecord.Columns.client).forKey("n")
                )
                .filter(ids.contains(ContributionRecord.Columns.model)).group(ContributionRecord.Columns.model)
            )
            for row in counts { contributors[row["model"]] = row["n"] }
            let validations = try ValidationRecord.filter(ids.contains(ValidationRecord.Columns.model)).order(
                ValidationRecord.Columns.client
            ).fetchAll(db)
            return (contributors, Dictionary(grouping: validations, by: \.model))
        }
    }

    /// Models, newest first, optionally of one session.
    package func models(_ query: ListQuery) async throws -> (items: [ModelRecord], total: Int) {
        try await self.page(
            ModelRecord.all(),
            query,
            allowed: [ModelRecord.Columns.session],
            order: [ModelRecord.Columns.createdAt.desc, ModelRecord.Columns.id]
        )
    }

    /// The number of models in the trail.
    package func modelCount() async throws -> Int {
        try await self.writer.read { db in try ModelRecord.fetchCount(db) }
    }
}
