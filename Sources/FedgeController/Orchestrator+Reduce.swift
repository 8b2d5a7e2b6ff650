import FedgeAggregation
import FedgeCore
import FedgeStore
import FedgeTensor
import Foundation

extension Orchestrator {
    /// What a round's reduce produced, both stored in the blob store.
    struct Reduced: Sendable {
        var model: ModelID
        var state: ServerOptimizerState?
        var stateBlob: ModelID?
        var totalWeight: Double
        var contributions: [Contribution]
    }

    /// Merges the partial aggregates at `partials` (the first decoded, the others added straight from their
    /// files), takes the server step on the global model at `base`, and writes the new model and optimizer state
    /// into `blobs`. Runs off the orchestrator's actor, on the concurrent pool.
    @concurrent
    static func reduce(
        partials: [String],
        base basePath: String,
        baseID: ModelID,
        aggregator: AggregatorConfig,
        state: consuming ServerOptimizerState?,
        blobs: BlobStore
    ) async throws -> Reduced {
        let base = try SafetensorsFile(path: basePath)
        let layout = ModelLayout(base)
        var total = try PartialAggregate(file: SafetensorsFile(path: partials[0]), layout: layout)
        for partial in partials.dropFirst() {
            try total.merge(file: SafetensorsFile(path: partial))
        }
        let (next, newState) = try ServerUpdate.apply(
            aggregator,
            base: base,
            baseID: baseID,  // the blob store's file of that id, checked when it was stored: not hashed again
            partials: [consume total],
            state: consume state
        )
        let model = try Self.store(next, in: blobs)
        // Self-reported weights are not trusted blindly: a model with NaN or infinite values (an absurd weight
        // overflows the sums) never joins the trail.
        do {
            _ = try layout.validate(
                SafetensorsFile(path: blobs.path(for: model)),
                weight: 1,
                label: "the new global model"
            )
        } catch {
            try? FileManager.default.removeItem(atPath: blobs.path(for: model))
            throw error
        }
        let stateBlob = try newState.map { try Self.store($0.encodable(layout: layout), in: blobs) }
        return Reduced(
            model: model,
            state: newState,
            stateBlob: stateBlob,
            totalWeight: next.totalWeight,
            contributions: next.contributions
        )
    }

    /// Writes `model` into the blob store (a temporary file in it, synced, then renamed to its hash).
    private static func store(_ model: some SafetensorsEncodable, in blobs: BlobStore) throws -> ModelID {
        let incoming = blobs.incomingPath()
        do {
            let id = try SafetensorsWriter.write(model, to: incoming)
            return try blobs.adopt(incoming, as: id)
        } catch {
            try? FileManager.default.removeItem(atPath: incoming)
            throw error
        }
    }
}
