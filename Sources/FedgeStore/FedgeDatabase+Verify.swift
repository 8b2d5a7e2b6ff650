import Crypto
import FedgeCore
import Foundation
import GRDB

/// One problem `verifyTrail` found.
package struct TrailProblem: Hashable, Sendable, CustomStringConvertible {
    package var model: String
    package var problem: String
    package var description: String { "model \(self.model.prefix(12)): \(self.problem)" }
}

extension FedgeDatabase {
    /// Checks the whole model trail against the blob store: every model's blob exists and hashes to its id, and
    /// every parent is in the trail. Returns the problems found (none for a sound trail).
    package func verifyTrail(blobs: BlobStore) async throws -> [TrailProblem] {
        let models = try await self.writer.read { db in try ModelRecord.fetchAll(db) }
        let ids = Set(models.map(\.id))
        var problems: [TrailProblem] = []
        for model in models {
            if let parent = model.parent, !ids.contains(parent) {
                problems.append(TrailProblem(model: model.id, problem: "its parent \(parent.prefix(12)) is missing"))
            }
            guard let id = ModelID(hex: model.id) else {
                problems.append(TrailProblem(model: model.id, problem: "its id is not a SHA-256"))
                continue
            }
            guard let handle = FileHandle(forReadingAtPath: blobs.path(for: id)) else {
                problems.append(TrailProblem(model: model.id, problem: "its blob is missing from the store"))
                continue
            }
            defer { try? handle.close() }
            var hasher = SHA256()
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
            if ModelID(digestBytes: hasher.finalize()) != id {
                problems.append(
                    TrailProblem(model: model.id, problem: "its blob does not hash to its id (the file changed)")
                )
            }
        }
        return problems
    }
}
