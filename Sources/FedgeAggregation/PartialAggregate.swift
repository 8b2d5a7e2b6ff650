package import FedgeCore
package import FedgeTensor

/// A weighted sum of updates with its total weight and contributions: what a combiner sends up.
///
/// Partials compose: folding updates into one partial, or into several that are then merged, gives the same sum
/// (within float rounding), so a two-stage reduce equals a one-stage one. Memory is one model in working
/// precision, whatever the number of updates.
///
/// ```swift
/// var partial = PartialAggregate(layout: ModelLayout(global))
/// try partial.fold(update, weight: 120, contribution: contribution)
/// try total.merge(partial)
/// let average = try total.mean()
/// ```
package struct PartialAggregate: Sendable {
    /// The global model's layout that every update must match.
    package let layout: ModelLayout
    /// Σ weight·update, one buffer per aggregated tensor.
    package private(set) var sums: [TensorBuffer]
    /// Σ weight.
    package private(set) var totalWeight: Double
    /// Every update folded in, in arrival order.
    package private(set) var contributions: [Contribution]

    /// An empty partial for models of `layout`.
    package init(layout: ModelLayout) {
        self.layout = layout
        self.sums = layout.zeroBuffers()
        self.totalWeight = 0
        self.contributions = []
    }

    /// A partial made of given sums, for robust reducers and decoding.
    package init(
        layout: ModelLayout,
        sums: [TensorBuffer],
        totalWeight: Double,
        contributions: [Contribution]
    ) throws(AggregationError) {
        guard sums.count == layout.slots.count else {
            throw .partialMismatch("it has \(sums.count) tensors but the model has \(layout.slots.count) to aggregate")
        }
        for (slot, sum) in zip(layout.slots, sums)
        where sum.precision != slot.precision || sum.count != slot.descriptor.elementCount {
            throw .partialMismatch("tensor '\(slot.descriptor.name)' does not match the global model")
        }
        guard totalWeight >= 0, totalWeight.isFinite else {
            throw .partialMismatch("its total weight \(totalWeight) is not a non-negative number")
        }
        self.layout = layout
        self.sums = sums
        self.totalWeight = totalWeight
        self.contributions = contributions
    }

    /// Sets the updates' ids after the fact, in the order they were folded in: for a caller that hashes the files
    /// while it folds them (`fedge aggregate`).
    package mutating func identifyUpdates(_ ids: [ModelID]) {
        precondition(ids.count == self.contributions.count, "one id for each contribution")
        for (index, id) in ids.enumerated() { self.contributions[index].update = id }
    }

    /// Whether nothing has been folded in.
    package var isEmpty: Bool { self.contributions.isEmpty && self.totalWeight == 0 }

    /// Validates `update` and adds `weight · update` to the sums.
    ///
    /// - Throws: `AggregationError` when the update does not match the layout, holds NaN or ±Inf, or the weight
    ///   is not positive; the partial is then unchanged.
    package mutating func fold(
        _ update: SafetensorsFile,
        weight: Double,
        contribution: Contribution
    ) throws(AggregationError) {
        let mapping = try self.layout.validate(update, weight: weight, label: update.path)
        self.foldValidated(update, mapping: mapping, weight: weight, contribution: contribution)
    }

    /// Adds an update that `ModelLayout.validate` already accepted, with the mapping it returned.
    package mutating func foldValidated(
        _ update: SafetensorsFile,
        mapping: [Int],
        weight: Double,
        contribution: Contribution
    ) {
        for (slot, tensorIndex) in mapping.enumerated() {
            let dtype = self.layout.slots[slot].descriptor.dtype
            // Block by block, so the update's pages leave resident memory as soon as they are folded in.
            update.forEachBlock(ofTensor: tensorIndex) { first, bytes in
                self.sums[slot].accumulate(bytes, dtype: dtype, weight: weight, startingAt: first)
            }
        }
        self.totalWeight += weight
        self.contributions.append(contribution)
    }

    /// Adds another partial of the same layout.
    package mutating func merge(_ other: PartialAggregate) throws(AggregationError) {
        guard other.layout == self.layout else {
            throw .partialMismatch("it was made for a different global model (tensor names, shapes or dtypes differ)")
        }
        for slot in self.sums.indices { self.sums[slot].add(other.sums[slot]) }
        self.totalWeight += other.totalWeight
        self.contributions.append(contentsOf: other.contributions)
    }

    /// Adds raw sum bytes (the stored dtype of `slot`) from element `first` on: one block of a partial's file.
    mutating func addToSum(slot: Int, _ bytes: UnsafeRawBufferPointer, dtype: DType, startingAt first: Int) {
        self.sums[slot].accumulate(bytes, dtype: dtype, weight: 1, startingAt: first)
    }

    /// Adds another partial's weight and contributions (its sums were added block by block).
    mutating func addTotals(weight: Double, contributions: [Contribution]) {
        self.totalWeight += weight
        self.contributions.append(contentsOf: contributions)
    }

    /// The weighted average, Σ weight·update / Σ weight, computed in place.
    ///
    /// - Throws: `AggregationError.noUpdates` when nothing was folded in.
    package consuming func mean() throws(AggregationError) -> [TensorBuffer] {
        guard self.totalWeight > 0 else { throw .noUpdates }
        let factor = 1 / self.totalWeight
        for slot in self.sums.indices { self.sums[slot].scale(by: factor) }
        return self.sums
    }
}
