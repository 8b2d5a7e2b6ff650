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
        case .unknownParent(let id): "parent model \(id.prefix(12)) is not in the model trail; upload it as a seed first"
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
            try ContributionRecord.filter(ContributionRecord.Columns.model == id.hex).order(ContributionRecord.Columns.client).fetchAll(db)
        }
    }

    /// The model's ancestors, parent first, back to its seed.
    package func ancestors(of id: ModelID) async throws -> [ModelRecord] {
        try await self.writer.read { db in
            guard var current = try ModelRecord.fetchOne(db, key: id.hex) else { throw ModelTrailError.unknownModel(id.hex) }
            var out: [ModelRecord] = []
            var seen: Set<String> = [current.id]
            while let parent = current.parent, let record = try ModelRecord.fetchOne(db, key: parent), seen.insert(parent).inserted {
                out.append(record)
                current = record
            }
            return out
        }
    }

    /// The models aggregated directly from `id`.
    package func children(of id: ModelID) async throws -> [ModelRecord] {
        try await self.writer.read { db in
            try ModelRecord.filter(ModelRecord.Columns.parent == id.hex).order(ModelRecord.Columns.createdAt, ModelRecord.Columns.id).fetchAll(db)
        }
    }

    /// Points the active-model pointer (the one row that changes) at `id`.
    package func setActiveModel(_ id: ModelID) async throws {
        try await self.writer.write { db in
            guard try ModelRecord.fetchOne(db, key: id.hex) != nil else { throw ModelTrailError.unknownModel(id.hex) }
            try db.execute(sql: "INSERT INTO activeModel (slot, model) VALUES (1, ?) ON CONFLICT(slot) DO UPDATE SET model = excluded.model", arguments: [id.hex])
        }
    }

    /// The active model, or `nil` before any was set.
    package func activeModel() async throws -> ModelID? {
        try await self.writer.read { db in
            try String.fetchOne(db, sql: "SELECT model FROM activeModel WHERE slot = 1").flatMap(ModelID.init(hex:))
        }
    }
}
