import FedgeAggregation
import FedgeCore
import FedgeTensor
import FedgeTestSupport
import Testing

/// Each aggregator against the float64 scalar reference, on random models.
@Suite("Aggregators against the float64 reference")
struct AggregatorReferenceTests {
    @Test(arguments: [1, 15, 16, 17, 1_000, 600_000])
    func fedAvgMatchesReference(elements: Int) async throws {
        try await withTemporaryDirectory { dir in
            var h = AggregationHarness(
                directory: dir,
                seed: UInt64(elements),
                descriptors: AggregationHarness.mlp(elements: elements)
            )
            let base = try h.model("base")
            let updates = try h.updates(5)
            let result = try AggregationHarness.aggregate(.fedavg, base: base, updates: updates)
            let expected = Reference.weightedMean(
                updates.map { RandomModel.flatFloats($0.file) },
                weights: updates.map(\.weight)
            )
            let actual = AggregationHarness.flat(result.model)
            let ok = close(actual, expected, tolerance: 1e-6)
            #expect(ok, "worst relative error \(worst(actual, expected))")
            #expect(result.state == nil)
            #expect(result.model.totalWeight == updates.map(\.weight).reduce(0, +))
        }
    }

    @Test(arguments: ["fedavgm", "fedadam", "fedyogi", "fedadagrad"])
    func serverOptimizersMatchReferenceOverThreeRounds(name: String) async throws {
        try await withTemporaryDirectory { dir in
            var h = AggregationHarness(directory: dir, seed: 42, descriptors: AggregationHarness.mlp(elements: 257))
            let config = try AggregatorConfig(
                name: name,
                parameters: name == "fedavgm" ? ["eta": 0.7, "beta": 0.8] : ["eta": 0.05]
            )
            var base = try h.model("base")
            var x = RandomModel.flatFloats(base)
            var m = [Double](repeating: 0, count: x.count)
            var v = [Double](repeating: 0, count: x.count)
            var state: ServerOptimizerState? = nil
            for round in 1...3 {
                let updates = try h.updates(4)
                let average = Reference.weightedMean(
                    updates.map { RandomModel.flatFloats($0.file) },
                    weights: updates.map(\.weight)
                )
                switch config {
                case .fedavgm(let p):
                    x = Reference.fedavgm(x: x, average: average, velocity: &m, eta: p.eta, beta: p.beta)
                case .fedopt(let kind, let p):
                    let adaptive: Reference.Adaptive = kind == .fedadam ? .adam : (kind == .fedyogi ? .yogi : .adagrad)
                    x = Reference.fedopt(
                        adaptive,
                        x: x,
                        average: average,
                        m: &m,
                        v: &v,
                        t: round,
                        eta: p.eta,
                        beta1: p.beta1,
                        beta2: p.beta2,
                        tau: p.tau
                    )
                default:
                    Issue.record("unexpected config")
                }
                let result = try AggregationHarness.aggregate(config, base: base, updates: updates, state: state)
                state = result.state
                #expect(state?.step == round)
                // Save and reload the state between rounds, as `fedge aggregate --state` and the controller do.
                let saved = try h.write(result.state!.encodable(layout: ModelLayout(base)), "state-\(round)")
                state = try ServerOptimizerState(file: saved, layout: ModelLayout(base))
                #expect(state == result.state)
                base = try h.write(result.model, "global-\(round)")
                let actual = RandomModel.flatFloats(base)
                let ok = close(actual, x, tolerance: 2e-5)
                #expect(ok, "round \(round): worst relative error \(worst(actual, x))")
                // Reference continues from what Fedge stored, so float32 rounding does not compound.
                x = actual
            }
        }
    }

    @Test func fedAvgMWithDefaultsIsPlainAverageOnFirstRoundWhenBetaIsZero() async throws {
        try await withTemporaryDirectory { dir in
            var h = AggregationHarness(directory: dir, seed: 5, descriptors: AggregationHarness.mlp(elements: 40))
            let base = try h.model("base")
            let updates = try h.updates(3)
            let momentum = try AggregationHarness.aggregate(
                try AggregatorConfig(name: "fedavgm", parameters: ["beta": 0, "eta": 1]),
                base: base,
                updates: updates
            )
            let plain = try AggregationHarness.aggregate(.fedavg, base: base, updates: updates)
            let ok = close(
                AggregationHarness.flat(momentum.model),
                AggregationHarness.flat(plain.model),
                tolerance: 1e-6
            )
            #expect(ok)
        }
    }

    @Test func robustAggregatorsMatchReference() async throws {
        try await withTemporaryDirectory { dir in
            var h = AggregationHarness(directory: dir, seed: 9, descriptors: AggregationHarness.mlp(elements: 300))
            let base = try h.model("base")
            for n in [1, 2, 5, 8] {
                let updates = try h.updates(n)
                let flats = updates.map { RandomModel.flatFloats($0.file) }
                let median = try AggregationHarness.aggregate(.fedmedian, base: base, updates: updates)
                let ok1 = close(AggregationHarness.flat(median.model), Reference.median(flats), tolerance: 1e-6)
                #expect(ok1, "median, n = \(n)")
                let trimmed = try AggregationHarness.aggregate(.fedtrimmedavg(beta: 0.2), base: base, updates: updates)
                let ok2 = close(
                    AggregationHarness.flat(trimmed.model),
                    Reference.trimmedMean(flats, beta: 0.2),
                    tolerance: 1e-6
                )
                #expect(ok2, "trimmed mean, n = \(n)")
                let scores = Reference.krumScores(flats, f: 1)
                // Ties (always, with two updates) go to the smaller update hash.
                let hashes = updates.map { $0.file.computeModelID() }
                let ranking = scores.indices.sorted { (scores[$0], hashes[$0]) < (scores[$1], hashes[$1]) }
                let best = ranking[0]
                let krum = try AggregationHarness.aggregate(.krum(f: 1), base: base, updates: updates)
                let ok3 = close(AggregationHarness.flat(krum.model), flats[best], tolerance: 1e-6)
                #expect(ok3, "krum, n = \(n)")
                let order = ranking.prefix(2)
                let multi = try AggregationHarness.aggregate(.multikrum(f: 1, m: 2), base: base, updates: updates)
                let expected = Reference.weightedMean(
                    order.map { flats[$0] },
                    weights: order.map { updates[$0].weight }
                )
                let ok4 = close(AggregationHarness.flat(multi.model), expected, tolerance: 1e-6)
                #expect(ok4, "multikrum, n = \(n)")
            }
        }
    }
}
