package import FedgeCore
package import FedgeTensor

/// The second stage of aggregation, run at the controller: reduce the partials, then take the server step.
package enum ServerUpdate {
    /// Merges `partials`, averages them and applies the aggregator's server step to the global model `base`.
    ///
    /// - Parameters:
    ///   - state: the optimizer state saved by the previous round, or `nil` to start fresh. Ignored by
    ///     aggregators without state.
    /// - Returns: the new model, and the optimizer state to save (`nil` for aggregators without state).
    /// - Throws: `AggregationError` when there is nothing to average, a partial does not match `base`, or the state
    ///   was made by another aggregator or model.
    package static func apply(
        _ config: AggregatorConfig,
        base: SafetensorsFile,
        partials: [PartialAggregate],
        state: ServerOptimizerState?
    ) throws(AggregationError) -> (model: AggregatedModel, state: ServerOptimizerState?) {
        let layout = ModelLayout(base)
        guard var total = partials.first else { throw .noUpdates }
        guard total.layout == layout else {
            throw .partialMismatch("it was made for a different global model (tensor names, shapes or dtypes differ)")
        }
        for partial in partials.dropFirst() { try total.merge(partial) }
        let contributions = total.contributions
        let totalWeight = total.totalWeight
        var average = try total.mean()
        let parentID = base.computeModelID()

        var newState: ServerOptimizerState? = nil
        let values: [TensorBuffer]
        switch config {
        case .fedavg, .fedmedian, .fedtrimmedavg, .krum, .multikrum:
            values = average
        case .fedavgm(let p):
            var s = state ?? ServerOptimizerState(aggregator: .fedavgm, layout: layout)
            try s.check(aggregator: .fedavgm, layout: layout)
            var x = Self.decode(base, layout: layout)
            for i in x.indices {
                Self.withBuffers(&x[i], &s.first[i], average[i]) { kind in
                    switch kind {
                    case .float(let x, let v, let a):
                        Kernels.momentumStep(x: x, velocity: v, average: a, eta: Float(p.eta), beta: Float(p.beta))
                    case .double(let x, let v, let a):
                        Kernels.momentumStep(x: x, velocity: v, average: a, eta: p.eta, beta: p.beta)
                    }
                }
            }
            s.step += 1
            newState = s
            values = x
        case .fedopt(let name, let p):
            var s = state ?? ServerOptimizerState(aggregator: name, layout: layout)
            try s.check(aggregator: name, layout: layout)
            s.step += 1
            let t = Double(s.step)
            let rule: Kernels.SecondMoment = name == .fedadam ? .adam : (name == .fedyogi ? .yogi : .adagrad)
            let etaT = name == .fedadam ? p.eta * (1 - pow(p.beta2, t)).squareRoot() / (1 - pow(p.beta1, t)) : p.eta
            var x = Self.decode(base, layout: layout)
            for i in x.indices {
                Self.withBuffers(&x[i], &s.first[i], &s.second[i], average[i]) { kind in
                    switch kind {
                    case .float(let x, let m, let v, let a):
                        Kernels.fedOptStep(
                            rule: rule, x: x, m: m, v: v, average: a,
                            eta: Float(etaT), beta1: Float(p.beta1), beta2: Float(p.beta2), tau: Float(p.tau)
                        )
                    case .double(let x, let m, let v, let a):
                        Kernels.fedOptStep(
                            rule: rule, x: x, m: m, v: v, average: a,
                            eta: etaT, beta1: p.beta1, beta2: p.beta2, tau: p.tau
                        )
                    }
                }
            }
            newState = s
            values = x
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

    /// The global model's aggregated tensors in working precision.
    package static func decode(_ base: SafetensorsFile, layout: ModelLayout) -> [TensorBuffer] {
        layout.slots.map { slot in
            base.withTensorBytes(at: slot.tensorIndex) { bytes in
                TensorBuffer(decoding: bytes, dtype: slot.descriptor.dtype, count: slot.descriptor.elementCount)
            }
        }
    }

    private enum Three {
        case float(UnsafeMutableBufferPointer<Float>, UnsafeMutableBufferPointer<Float>, UnsafeBufferPointer<Float>)
        case double(UnsafeMutableBufferPointer<Double>, UnsafeMutableBufferPointer<Double>, UnsafeBufferPointer<Double>)
    }

    private enum Four {
        case float(
            UnsafeMutableBufferPointer<Float>, UnsafeMutableBufferPointer<Float>, UnsafeMutableBufferPointer<Float>,
            UnsafeBufferPointer<Float>
        )
        case double(
            UnsafeMutableBufferPointer<Double>, UnsafeMutableBufferPointer<Double>, UnsafeMutableBufferPointer<Double>,
            UnsafeBufferPointer<Double>
        )
    }

    private static func withBuffers(
        _ x: inout TensorBuffer,
        _ v: inout TensorBuffer,
        _ a: TensorBuffer,
        _ body: (Three) -> Void
    ) {
        if x.precision == .float32 {
            x.floats.withUnsafeMutableBufferPointer { xp in
                v.floats.withUnsafeMutableBufferPointer { vp in
                    a.floats.withUnsafeBufferPointer { ap in body(.float(xp, vp, ap)) }
                }
            }
        } else {
            x.doubles.withUnsafeMutableBufferPointer { xp in
                v.doubles.withUnsafeMutableBufferPointer { vp in
                    a.doubles.withUnsafeBufferPointer { ap in body(.double(xp, vp, ap)) }
                }
            }
        }
    }

    private static func withBuffers(
        _ x: inout TensorBuffer,
        _ m: inout TensorBuffer,
        _ v: inout TensorBuffer,
        _ a: TensorBuffer,
        _ body: (Four) -> Void
    ) {
        if x.precision == .float32 {
            x.floats.withUnsafeMutableBufferPointer { xp in
                m.floats.withUnsafeMutableBufferPointer { mp in
                    v.floats.withUnsafeMutableBufferPointer { vp in
                        a.floats.withUnsafeBufferPointer { ap in body(.float(xp, mp, vp, ap)) }
                    }
                }
            }
        } else {
            x.doubles.withUnsafeMutableBufferPointer { xp in
                m.doubles.withUnsafeMutableBufferPointer { mp in
                    v.doubles.withUnsafeMutableBufferPointer { vp in
                        a.doubles.withUnsafeBufferPointer { ap in body(.double(xp, mp, vp, ap)) }
                    }
                }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
