package import FedgeCore
package import FedgeTensor

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The second stage of aggregation, run at the controller: reduce the partials, then take the server step.
package enum ServerUpdate {
    /// Merges `partials`, averages them and applies the aggregator's server step to the global model `base`.
    ///
    /// - Parameters:
    ///   - baseID: the base file's SHA-256 when the caller knows it (a content-addressed store), so that it is not
    ///     hashed again; computed otherwise.
    ///   - state: the optimizer state saved by the previous round, or `nil` to start fresh. Ignored by
    ///     aggregators without state.
    /// - Returns: the new model, and the optimizer state to save (`nil` for aggregators without state).
    /// - Throws: `AggregationError` when there is nothing to average, a partial does not match `base`, or the state
    ///   was made by another aggregator or model.
    package static func apply(
        _ config: AggregatorConfig,
        base: SafetensorsFile,
        baseID: ModelID? = nil,
        partials: consuming [PartialAggregate],
        state: consuming ServerOptimizerState?
    ) throws(AggregationError) -> (model: AggregatedModel, state: ServerOptimizerState?) {
        let layout = ModelLayout(base)
        // Taking the partials by value and moving the first out keeps its buffers uniquely referenced, so the merge
        // and the in-place average below never copy a model.
        guard !partials.isEmpty else { throw .noUpdates }
        var total = partials.removeFirst()
        guard total.layout == layout else {
            throw .partialMismatch("it was made for a different global model (tensor names, shapes or dtypes differ)")
        }
        for partial in partials { try total.merge(partial) }
        partials = []
        let contributions = total.contributions
        let totalWeight = total.totalWeight
        var average = try (consume total).mean()
        let parentID = baseID ?? base.computeModelID()

        var newState: ServerOptimizerState? = nil
        let values: [TensorBuffer]
        switch config {
        case .fedavg, .fedmedian, .fedtrimmedavg, .krum, .multikrum:
            values = average
        case .fedavgm(let p):
            var s = (consume state) ?? ServerOptimizerState(aggregator: .fedavgm, layout: layout)
            try s.check(aggregator: .fedavgm, layout: layout)
            // One tensor of the global model decoded at a time, its new values taking the average's place.
            for i in average.indices {
                var x = Self.decode(base, slot: layout.slots[i])
                x.momentumStep(velocity: &s.first[i], average: average[i], eta: p.eta, beta: p.beta)
                average[i] = x
            }
            s.step += 1
            newState = s
            values = average
        case .fedopt(let name, let p):
            var s = (consume state) ?? ServerOptimizerState(aggregator: name, layout: layout)
            try s.check(aggregator: name, layout: layout)
            s.step += 1
            let t = Double(s.step)
            let rule: Kernels.SecondMoment = name == .fedadam ? .adam : (name == .fedyogi ? .yogi : .adagrad)
            let etaT = name == .fedadam ? p.eta * (1 - pow(p.beta2, t)).squareRoot() / (1 - pow(p.beta1, t)) : p.eta
            // One tensor of the global model decoded at a time, its new values taking the average's place: the peak
            // is the average and the two moments plus one tensor, not four whole models.
            for i in average.indices {
                var x = Self.decode(base, slot: layout.slots[i])
                x.fedOptStep(
                    rule: rule,
                    m: &s.first[i],
                    v: &s.second[i],
                    average: average[i],
                    eta: etaT,
                    beta1: p.beta1,
                    beta2: p.beta2,
                    tau: p.tau
                )
                average[i] = x
            }
            newState = s
            values = average
        }
        average = []
        var metadata = base.metadata
        metadata["fedge.aggregator"] = config.name.rawValue
        metadata["fedge.parent"] = parentID.hex
        let model = AggregatedModel(
            base: base,
            layout: layout,
            values: values,
            metadata: metadata,
            contributions: contributions,
            totalWeight: totalWeight
        )
        return (model, newState)
    }

    /// One aggregated tensor of the global model in working precision.
    static func decode(_ base: SafetensorsFile, slot: ModelLayout.Slot) -> TensorBuffer {
        base.withTensorBytesOnce(at: slot.tensorIndex) { bytes in
            TensorBuffer(decoding: bytes, dtype: slot.descriptor.dtype, count: slot.descriptor.elementCount)
        }
    }
}
