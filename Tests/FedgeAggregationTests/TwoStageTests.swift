import FedgeAggregation
import FedgeCore
import FedgeTensor
import FedgeTestSupport
import Testing

/// A combiner's partials, reduced at the controller, give the same model as one stage; order does not matter.
@Suite("Two stages equal one")
struct TwoStageTests {
    static let averaging = ["fedavg", "fedavgm", "fedadam", "fedyogi", "fedadagrad"]

    /// How far float32 rounding of the average (1e-6 relative) can move the new model. Adaptive steps divide by
    /// √v + τ with v ≈ Δ² after one round, so they amplify a change in the average by up to η/τ (100 with the
    /// defaults); the averages themselves are checked against 1e-6.
    static func tolerance(_ config: AggregatorConfig) -> Double {
        if case .fedopt(_, let p) = config { return 1e-6 * max(1, p.eta / p.tau) }
        return 1e-6
    }

    @Test(arguments: averaging)
    func randomSplitsIntoCombinersEqualOneStage(name: String) async throws {
        try await withTemporaryDirectory { dir in
            var h = AggregationHarness(directory: dir, seed: 77, descriptors: AggregationHarness.mlp(elements: 1_001))
            let config = try AggregatorConfig(name: name)
            let base = try h.model("base")
            let updates = try h.updates(12)
            let single = try AggregationHarness.aggregate(config, base: base, updates: updates)
            for trial in 0..<4 {
                var generator = SeededGenerator(seed: UInt64(trial))
                let combiners = Int.random(in: 2...4, using: &generator)
                var reducers = (0..<combiners).map { _ in UpdateReducer(config: config, layout: ModelLayout(base)) }
                for (file, weight) in updates.shuffled(using: &generator) {
                    let c = Int.random(in: 0..<combiners, using: &generator)
                    try reducers[c].add(
                        file,
                        weight: weight,
                        contribution: AggregationHarness.contribution(file, weight)
                    )
                }
                // Combiners that got nothing send nothing; the others' partials travel as files.
                var partials: [PartialAggregate] = []
                var files: [SafetensorsFile] = []
                for (i, reducer) in reducers.enumerated() where reducer.count > 0 {
                    let file = try h.write(try reducer.finish(), "partial-\(trial)-\(i)")
                    files.append(file)
                    partials.append(try PartialAggregate(file: file, layout: ModelLayout(base)))
                }
                // Merging straight from the files (as the controller does) gives the same sums, bit for bit.
                var fromFiles = try PartialAggregate(file: files[0], layout: ModelLayout(base))
                for file in files.dropFirst() { try fromFiles.merge(file: file) }
                let staged = try ServerUpdate.apply(config, base: base, partials: partials, state: nil)
                var merged = partials[0]
                for partial in partials.dropFirst() { try merged.merge(partial) }
                #expect(fromFiles.totalWeight == merged.totalWeight && fromFiles.contributions == merged.contributions)
                let fileSums = fromFiles.sums.flatMap { b in (0..<b.count).map { b[$0] } }
                let memorySums = merged.sums.flatMap { b in (0..<b.count).map { b[$0] } }
                #expect(fileSums == memorySums, "trial \(trial)")
                let stagedMean = try merged.mean().flatMap { b in (0..<b.count).map { b[$0] } }
                let reference = Reference.weightedMean(
                    updates.map { RandomModel.flatFloats($0.file) },
                    weights: updates.map(\.weight)
                )
                let meanOK = close(stagedMean, reference, tolerance: 1e-6)
                #expect(meanOK, "trial \(trial): average off by \(worst(stagedMean, reference))")
                let a = AggregationHarness.flat(staged.model)
                let b = AggregationHarness.flat(single.model)
                let ok = close(a, b, tolerance: Self.tolerance(config))
                #expect(ok, "trial \(trial): worst relative difference \(worst(a, b))")
                #expect(Set(staged.model.contributions) == Set(single.model.contributions))
                #expect(staged.model.totalWeight == single.model.totalWeight)
            }
        }
    }

    @Test(arguments: averaging + ["fedmedian", "fedtrimmedavg", "krum", "multikrum"])
    func arrivalOrderDoesNotMatter(name: String) async throws {
        try await withTemporaryDirectory { dir in
            var h = AggregationHarness(directory: dir, seed: 11, descriptors: AggregationHarness.mlp(elements: 500))
            let config = try AggregatorConfig(name: name)
            let base = try h.model("base")
            let updates = try h.updates(7)
            let first = AggregationHarness.flat(
                try AggregationHarness.aggregate(config, base: base, updates: updates).model
            )
            var generator = SeededGenerator(seed: 1)
            for _ in 0..<3 {
                let shuffled = updates.shuffled(using: &generator)
                let other = AggregationHarness.flat(
                    try AggregationHarness.aggregate(config, base: base, updates: shuffled).model
                )
                // Robust aggregators are exactly order-independent; sums within float32 rounding.
                let tolerance = config.name.isRobust ? 0 : Self.tolerance(config)
                let ok = close(other, first, tolerance: tolerance)
                #expect(ok, "worst relative difference \(worst(other, first))")
            }
        }
    }

    @Test func robustPartialsComposeAsAWeightedMeanOfCombinerResults() async throws {
        // Documented two-stage behaviour: each combiner's median, weighted by its update count.
        try await withTemporaryDirectory { dir in
            let h = AggregationHarness(directory: dir, seed: 0, descriptors: [])
            var base = InMemoryModel()
            base.append(name: "w", shape: [1], floats: [0])
            let baseFile = try h.write(base, "base")
            func file(_ v: Float, _ i: Int) throws -> SafetensorsFile {
                var m = InMemoryModel()
                m.append(name: "w", shape: [1], floats: [v])
                return try h.write(m, "u\(i)")
            }
            var first = UpdateReducer(config: .fedmedian, layout: ModelLayout(baseFile))
            for (i, v) in [Float(1), 2, 9].enumerated() {
                let f = try file(v, i)
                try first.add(f, weight: 1, contribution: AggregationHarness.contribution(f, 1))
            }
            var second = UpdateReducer(config: .fedmedian, layout: ModelLayout(baseFile))
            let f = try file(6, 9)
            try second.add(f, weight: 1, contribution: AggregationHarness.contribution(f, 1))
            let result = try ServerUpdate.apply(
                .fedmedian,
                base: baseFile,
                partials: [try first.finish(), try second.finish()],
                state: nil
            )
            // (median(1, 2, 9) · 3 + 6 · 1) / 4 = (6 + 6) / 4 = 3.
            #expect(AggregationHarness.flat(result.model) == [3])
        }
    }

    @Test func partialForAnotherModelIsRefused() async throws {
        try await withTemporaryDirectory { dir in
            var h = AggregationHarness(directory: dir, seed: 3, descriptors: AggregationHarness.mlp(elements: 10))
            var other = AggregationHarness(directory: dir, seed: 4, descriptors: AggregationHarness.mlp(elements: 11))
            let base = try h.model("base")
            let otherBase = try other.model("other-base")
            var reducer = UpdateReducer(config: .fedavg, layout: ModelLayout(otherBase))
            let u = try other.model("other-update")
            try reducer.add(u, weight: 1, contribution: AggregationHarness.contribution(u, 1))
            let partial = try reducer.finish()
            #expect(throws: AggregationError.self) {
                try ServerUpdate.apply(.fedavg, base: base, partials: [partial], state: nil)
            }
            let file = try h.write(partial, "partial")
            #expect(throws: AggregationError.self) { try PartialAggregate(file: file, layout: ModelLayout(base)) }
            #expect(throws: AggregationError.self) { try PartialAggregate(file: base, layout: ModelLayout(base)) }
            var empty = PartialAggregate(layout: ModelLayout(base))
            #expect(throws: AggregationError.self) { try empty.merge(file: file) }
            #expect(empty.isEmpty)
        }
    }
}
