import FedgeAggregation
import FedgeCore
import FedgeTensor
import FedgeTestSupport
import Testing

/// Bad updates are refused with a reason, and the aggregate is left as it was.
@Suite("Update validation")
struct UpdateValidationTests {
    static let layout: [TensorDescriptor] = [
        TensorDescriptor(name: "w", dtype: .f32, shape: [2, 40]),
        TensorDescriptor(name: "h", dtype: .f16, shape: [33]),
        TensorDescriptor(name: "n", dtype: .i64, shape: []),
    ]

    enum Corruption: String, CaseIterable, Sendable {
        case missingTensor, extraTensor, wrongShape, wrongDType, nanInF32, infInF16, nanAtTail
    }

    static func corrupt(_ model: InMemoryModel, _ corruption: Corruption) -> InMemoryModel {
        var m = model
        switch corruption {
        case .missingTensor:
            m.tensors.removeLast()
            m.data.removeLast()
        case .extraTensor:
            m.append(name: "extra", shape: [1], floats: [0])
        case .wrongShape:
            m.tensors[0].shape = [40, 2]
        case .wrongDType:
            m.tensors[1].dtype = .bf16
        case .nanInF32:
            m.data[0].replaceSubrange(40..<44, with: withUnsafeBytes(of: Float.nan) { Array($0) })
        case .infInF16:
            m.data[1].replaceSubrange(6..<8, with: withUnsafeBytes(of: Float16.infinity.bitPattern) { Array($0) })
        case .nanAtTail:
            m.data[0].replaceSubrange(316..<320, with: withUnsafeBytes(of: -Float.infinity) { Array($0) })
        }
        return m
    }

    @Test(arguments: Corruption.allCases)
    func corruptUpdateIsRefusedAndChangesNothing(corruption: Corruption) async throws {
        try await withTemporaryDirectory { dir in
            var h = AggregationHarness(directory: dir, seed: 8, descriptors: Self.layout)
            let base = try h.model("base")
            let good = try h.model("good")
            var partial = PartialAggregate(layout: ModelLayout(base))
            try partial.fold(good, weight: 2, contribution: AggregationHarness.contribution(good, 2))
            let before = partial.sums
            var generator = SeededGenerator(seed: 1)
            let bad = try h.write(Self.corrupt(RandomModel.make(Self.layout, using: &generator), corruption), "bad")
            #expect(throws: AggregationError.self) {
                try partial.fold(bad, weight: 1, contribution: AggregationHarness.contribution(bad, 1))
            }
            #expect(partial.sums == before)
            #expect(partial.totalWeight == 2)
            #expect(partial.contributions.count == 1)
            for name in ["fedavg", "fedmedian"] {
                var reducer = UpdateReducer(config: try AggregatorConfig(name: name), layout: ModelLayout(base))
                #expect(throws: AggregationError.self) {
                    try reducer.add(bad, weight: 1, contribution: AggregationHarness.contribution(bad, 1))
                }
                #expect(reducer.count == 0)
            }
        }
    }

    @Test(arguments: [0.0, -3.0, Double.nan, Double.infinity])
    func nonPositiveWeightIsRefused(weight: Double) async throws {
        try await withTemporaryDirectory { dir in
            var h = AggregationHarness(directory: dir, seed: 8, descriptors: Self.layout)
            let base = try h.model("base")
            let update = try h.model("update")
            var partial = PartialAggregate(layout: ModelLayout(base))
            #expect(throws: AggregationError.self) {
                try partial.fold(update, weight: weight, contribution: AggregationHarness.contribution(update, weight))
            }
            #expect(partial.isEmpty)
        }
    }

    @Test func refusalsNameTheProblem() async throws {
        try await withTemporaryDirectory { dir in
            var h = AggregationHarness(directory: dir, seed: 8, descriptors: Self.layout)
            let base = try h.model("base")
            var generator = SeededGenerator(seed: 2)
            let bad = try h.write(Self.corrupt(RandomModel.make(Self.layout, using: &generator), .nanInF32), "diverged")
            var partial = PartialAggregate(layout: ModelLayout(base))
            do {
                try partial.fold(bad, weight: 1, contribution: AggregationHarness.contribution(bad, 1))
            } catch {
                #expect(error as? AggregationError == .nonFinite(update: bad.path, tensor: "w"))
                #expect("\(error)".contains("NaN or infinite"))
            }
        }
    }

    @Test func emptyRoundIsRefused() async throws {
        try await withTemporaryDirectory { dir in
            var h = AggregationHarness(directory: dir, seed: 8, descriptors: Self.layout)
            let base = try h.model("base")
            #expect(throws: AggregationError.noUpdates) {
                try UpdateReducer(config: .fedavg, layout: ModelLayout(base)).finish()
            }
            #expect(throws: AggregationError.noUpdates) {
                try UpdateReducer(config: .krum(f: 0), layout: ModelLayout(base)).finish()
            }
            #expect(throws: AggregationError.noUpdates) {
                try ServerUpdate.apply(.fedavg, base: base, partials: [], state: nil)
            }
        }
    }

    @Test func stateFromAnotherAggregatorIsRefused() async throws {
        try await withTemporaryDirectory { dir in
            var h = AggregationHarness(directory: dir, seed: 8, descriptors: Self.layout)
            let base = try h.model("base")
            let updates = try h.updates(2)
            let adam = try AggregationHarness.aggregate(
                try AggregatorConfig(name: "fedadam"),
                base: base,
                updates: updates
            )
            #expect(throws: AggregationError.self) {
                try AggregationHarness.aggregate(
                    try AggregatorConfig(name: "fedyogi"),
                    base: base,
                    updates: updates,
                    state: adam.state
                )
            }
            var other = AggregationHarness(directory: dir, seed: 9, descriptors: AggregationHarness.mlp(elements: 3))
            let otherBase = try other.model("other")
            let saved = try h.write(adam.state!.encodable(layout: ModelLayout(base)), "state")
            #expect(throws: AggregationError.self) {
                try ServerOptimizerState(file: saved, layout: ModelLayout(otherBase))
            }
        }
    }
}
