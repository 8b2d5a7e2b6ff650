package import FedgeCore
import FedgeTensor

/// What a server optimizer remembers between rounds: its step count and its moment buffers.
///
/// Lives at the controller (so FedOpt works across combiners) and is saved with each round. Buffers follow the
/// layout's slots: `first` is m (FedOpt) or the velocity (FedAvgM); `second` is v (FedOpt) and empty otherwise.
package struct ServerOptimizerState: Sendable, Hashable {
    package var aggregator: AggregatorName
    /// Server steps taken so far (the t of Adam's bias correction after the next step is `step + 1`).
    package var step: Int
    package var first: [TensorBuffer]
    package var second: [TensorBuffer]

    /// Fresh state for `aggregator` over `layout`: zero moments, step 0.
    package init(aggregator: AggregatorName, layout: ModelLayout) {
        self.aggregator = aggregator
        self.step = 0
        self.first = layout.zeroBuffers()
        self.second = aggregator == .fedavgm ? [] : layout.zeroBuffers()
    }

    package init(aggregator: AggregatorName, step: Int, first: [TensorBuffer], second: [TensorBuffer]) {
        self.aggregator = aggregator
        self.step = step
        self.first = first
        self.second = second
    }

    /// Checks that the state was made by `aggregator` for models of `layout`.
    package func check(aggregator: AggregatorName, layout: ModelLayout) throws(AggregationError) {
        guard self.aggregator == aggregator else {
            throw .stateMismatch(
                "it was saved by \(self.aggregator), not \(aggregator); start from a fresh state or keep the aggregator"
            )
        }
        let expectedSecond = aggregator == .fedavgm ? 0 : layout.slots.count
        guard self.first.count == layout.slots.count, self.second.count == expectedSecond else {
            throw .stateMismatch("it holds \(self.first.count) tensors but the model has \(layout.slots.count)")
        }
        for (i, slot) in layout.slots.enumerated() {
            let buffers = [self.first[i]] + (self.second.isEmpty ? [] : [self.second[i]])
            for buffer in buffers
            where buffer.count != slot.descriptor.elementCount || buffer.precision != slot.precision {
                throw .stateMismatch("tensor '\(slot.descriptor.name)' does not match the global model")
            }
        }
    }
}
