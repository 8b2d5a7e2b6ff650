package import FedgeCore
package import FedgeTensor

/// An update a robust reducer holds until the round closes: validated, memory-mapped, never copied into RAM.
package struct HeldUpdate: Sendable {
    package var file: SafetensorsFile
    /// For each slot of the layout, the matching tensor index in `file`.
    package var mapping: [Int]
    package var weight: Double
    package var contribution: Contribution
}

/// The robust aggregators, which need every update of a round at once: coordinate-wise median and trimmed mean,
/// Krum and Multi-Krum.
///
/// They read the updates straight from their mappings, a block of coordinates at a time, so memory beyond the
/// mappings is one output model plus a small scratch block. Results do not depend on arrival order: ties in
/// Krum scores are broken by update hash.
///
/// Two-stage use: each combiner reduces its own clients robustly and hands up `result × W` with weight `W`
/// (the number of updates it reduced; for Multi-Krum the summed `num_examples` of those it kept), and the
/// controller takes the weighted mean of the combiners' results. Robustness therefore holds within each
/// combiner's cohort; with one combiner it is exactly the single-stage aggregator.
package enum RobustReducer {
    /// Reduces `updates` with `config`, which must be a robust aggregator.
    ///
    /// - Throws: `AggregationError.noUpdates` when `updates` is empty.
    package static func reduce(
        _ config: AggregatorConfig,
        layout: ModelLayout,
        updates: [HeldUpdate]
    ) throws(AggregationError) -> PartialAggregate {
        guard !updates.isEmpty else { throw .noUpdates }
        let n = updates.count
        switch config {
        case .fedmedian:
            let result = Self.coordinateWise(layout: layout, updates: updates) { values in
                values.sort()
                let mid = values.count / 2
                return values.count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2
            }
            return try Self.partial(
                layout: layout,
                result: consume result,
                weight: Double(n),
                contributions: updates.map(\.contribution)
            )
        case .fedtrimmedavg(let beta):
            let cut = Int((beta * Double(n)).rounded(.down))
            let result = Self.coordinateWise(layout: layout, updates: updates) { values in
                values.sort()
                let kept = values[cut..<(values.count - cut)]
                return kept.reduce(0, +) / Double(kept.count)
            }
            return try Self.partial(
                layout: layout,
                result: consume result,
                weight: Double(n),
                contributions: updates.map(\.contribution)
            )
        case .krum(let f):
            let chosen = Self.krumOrder(layout: layout, updates: updates, f: f)[0]
            let result = Self.weightedMean(layout: layout, updates: [updates[chosen]], useWeights: false)
            return try Self.partial(
                layout: layout,
                result: consume result,
                weight: Double(n),
                contributions: [updates[chosen].contribution]
            )
        case .multikrum(let f, let m):
            let chosen = Array(Self.krumOrder(layout: layout, updates: updates, f: f).prefix(m)).map { updates[$0] }
            let result = Self.weightedMean(layout: layout, updates: chosen, useWeights: true)
            let weight = chosen.reduce(0) { $0 + $1.weight }
            return try Self.partial(
                layout: layout,
                result: consume result,
                weight: weight,
                contributions: chosen.map(\.contribution)
            )
        case .fedavg, .fedavgm, .fedopt:
            preconditionFailure("\(config.name) is not a robust aggregator")
        }
    }

    /// `result × weight` as a partial with total weight `weight`.
    private static func partial(
        layout: ModelLayout,
        result: consuming [TensorBuffer],
        weight: Double,
        contributions: [Contribution]
    ) throws(AggregationError) -> PartialAggregate {
        var sums = consume result
        for i in sums.indices { sums[i].scale(by: weight) }
        return try PartialAggregate(layout: layout, sums: sums, totalWeight: weight, contributions: contributions)
    }

    /// Applies `pick` to the n values of each coordinate, in Double.
    private static func coordinateWise(
        layout: ModelLayout,
        updates: [HeldUpdate],
        pick: (inout [Double]) -> Double
    ) -> [TensorBuffer] {
        var out = layout.zeroBuffers()
        let block = 256
        var scratch = [Double](repeating: 0, count: updates.count * block)
        var column = [Double](repeating: 0, count: updates.count)
        for (slotIndex, slot) in layout.slots.enumerated() {
            let count = slot.descriptor.elementCount
            var start = 0
            while start < count {
                let end = min(start + block, count)
                for (u, update) in updates.enumerated() {
                    Self.read(update, slot: slotIndex, dtype: slot.descriptor.dtype, range: start..<end) { i, value in
                        scratch[u * block + i] = value
                    }
                }
                for i in 0..<(end - start) {
                    for u in updates.indices { column[u] = scratch[u * block + i] }
                    let value = pick(&column)
                    if slot.precision == .float32 {
                        out[slotIndex].floats[start + i] = Float(value)
                    } else {
                        out[slotIndex].doubles[start + i] = value
                    }
                }
                start = end
            }
        }
        return out
    }

    /// Update indices ordered by Krum score (lowest first), ties broken by update hash.
    ///
    /// A score is the sum of squared L2 distances to the update's n − f − 2 nearest others (at least 1, at most
    /// n − 1; zero when n is 1).
    package static func krumOrder(layout: ModelLayout, updates: [HeldUpdate], f: Int) -> [Int] {
        let n = updates.count
        var distance = [Double](repeating: 0, count: n * n)
        let block = 1024
        var scratch = [Double](repeating: 0, count: n * block)
        for (slotIndex, slot) in layout.slots.enumerated() {
            let count = slot.descriptor.elementCount
            var start = 0
            while start < count {
                let end = min(start + block, count)
                let width = end - start
                for (u, update) in updates.enumerated() {
                    Self.read(update, slot: slotIndex, dtype: slot.descriptor.dtype, range: start..<end) { i, value in
                        scratch[u * block + i] = value
                    }
                }
                for a in 0..<n {
                    for b in (a + 1)..<max(a + 1, n) {
                        var d = 0.0
                        for i in 0..<width {
                            let delta = scratch[a * block + i] - scratch[b * block + i]
                            d += delta * delta
                        }
                        distance[a * n + b] += d
                        distance[b * n + a] += d
                    }
                }
                start = end
            }
        }
        let neighbours = min(max(n - f - 2, 1), max(n - 1, 0))
        let scores: [Double] = (0..<n).map { a in
            var others = (0..<n).filter { $0 != a }.map { distance[a * n + $0] }
            others.sort()
            return others.prefix(neighbours).reduce(0, +)
        }
        return (0..<n).sorted { lhs, rhs in
            (scores[lhs], updates[lhs].contribution.update) < (scores[rhs], updates[rhs].contribution.update)
        }
    }

    /// The (optionally weighted) mean of `updates`, in Double and rounded once to working precision.
    private static func weightedMean(layout: ModelLayout, updates: [HeldUpdate], useWeights: Bool) -> [TensorBuffer] {
        let total = useWeights ? updates.reduce(0) { $0 + $1.weight } : Double(updates.count)
        // Sum in a fixed order (by hash) so the result does not depend on arrival order.
        let ordered = updates.sorted { $0.contribution.update < $1.contribution.update }
        var out = layout.zeroBuffers()
        let block = 4096
        var acc = [Double](repeating: 0, count: block)
        for (slotIndex, slot) in layout.slots.enumerated() {
            let count = slot.descriptor.elementCount
            var start = 0
            while start < count {
                let end = min(start + block, count)
                for i in 0..<(end - start) { acc[i] = 0 }
                for update in ordered {
                    let w = useWeights ? update.weight : 1
                    Self.read(update, slot: slotIndex, dtype: slot.descriptor.dtype, range: start..<end) { i, value in
                        acc[i] += w * value
                    }
                }
                for i in 0..<(end - start) {
                    let value = acc[i] / total
                    if slot.precision == .float32 {
                        out[slotIndex].floats[start + i] = Float(value)
                    } else {
                        out[slotIndex].doubles[start + i] = value
                    }
                }
                start = end
            }
        }
        return out
    }

    /// Calls `body(i, value)` for the elements `range` of slot `slot` of `update`, widened to Double.
    private static func read(
        _ update: HeldUpdate,
        slot: Int,
        dtype: DType,
        range: Range<Int>,
        _ body: (Int, Double) -> Void
    ) {
        update.file.withTensorBytes(at: update.mapping[slot]) { bytes in
            guard let base = bytes.baseAddress else { return }
            for (i, index) in range.enumerated() {
                let value: Double
                switch dtype {
                case .f32: value = Double(F32Lanes.load1(base, index))
                case .f16: value = Double(F16Lanes.load1(base, index))
                case .bf16: value = Double(BF16Lanes.load1(base, index))
                case .f64: value = F64Lanes.load1(base, index)
                case .i32, .i64, .u8, .bool: preconditionFailure("integer tensors are not aggregated")
                }
                body(i, value)
            }
        }
    }
}
