import FedgeAggregation
import FedgeCore
import FedgeTensor
import FedgeTestSupport
import Testing

/// Results keep each tensor's dtype and shape; integers and bools are carried over from the global model.
@Suite("Dtypes, scalars and empty tensors")
struct DTypeHandlingTests {
    static let mixed: [TensorDescriptor] = [
        TensorDescriptor(name: "f16", dtype: .f16, shape: [5, 7]),
        TensorDescriptor(name: "bf16", dtype: .bf16, shape: [19]),
        TensorDescriptor(name: "f64", dtype: .f64, shape: [2, 3]),
        TensorDescriptor(name: "scalar", dtype: .f32, shape: []),
        TensorDescriptor(name: "empty", dtype: .f32, shape: [0]),
        TensorDescriptor(name: "num_batches_tracked", dtype: .i64, shape: []),
        TensorDescriptor(name: "mask", dtype: .bool, shape: [4]),
        TensorDescriptor(name: "ids", dtype: .i32, shape: [3]),
        TensorDescriptor(name: "bytes", dtype: .u8, shape: [2]),
    ]

    @Test(arguments: ["fedavg", "fedadam", "fedmedian", "multikrum"])
    func everyDTypeKeepsItsTypeAndIntegersAreCarriedOver(name: String) async throws {
        try await withTemporaryDirectory { dir in
            var h = AggregationHarness(directory: dir, seed: 21, descriptors: Self.mixed)
            let base = try h.model("base")
            let updates = try h.updates(4)
            let config = try AggregatorConfig(name: name)
            let result = try AggregationHarness.aggregate(config, base: base, updates: updates)
            let out = try h.write(result.model, "out")
            #expect(out.descriptors == base.descriptors)
            for (i, entry) in base.tensors.enumerated() where !entry.dtype.isFloatingPoint {
                let same = base.withTensorBytes(at: i) { a in out.withTensorBytes(at: i) { b in Array(a) == Array(b) } }
                #expect(same, "tensor \(entry.name) was not carried over")
            }
            if name == "fedavg" {
                // Against the reference, each tensor within its dtype's rounding.
                let flats = updates.map { RandomModel.floatValues($0.file) }
                let actual = RandomModel.floatValues(out)
                for entry in base.tensors where entry.dtype.isFloatingPoint {
                    let expected = Reference.weightedMean(flats.map { $0[entry.name]! }, weights: updates.map(\.weight))
                    let tolerance = entry.dtype == .bf16 ? 8e-3 : (entry.dtype == .f16 ? 1e-3 : 1e-6)
                    let ok = close(actual[entry.name]!, expected, tolerance: tolerance)
                    #expect(ok, "\(entry.name): \(worst(actual[entry.name]!, expected))")
                }
            }
        }
    }

    @Test func f64TensorsAggregateInDoublePrecision() async throws {
        try await withTemporaryDirectory { dir in
            var h = AggregationHarness(
                directory: dir,
                seed: 22,
                descriptors: [TensorDescriptor(name: "w", dtype: .f64, shape: [64])]
            )
            let base = try h.model("base")
            let updates = try h.updates(9)
            let result = try AggregationHarness.aggregate(.fedavg, base: base, updates: updates)
            let expected = Reference.weightedMean(
                updates.map { RandomModel.flatFloats($0.file) },
                weights: updates.map(\.weight)
            )
            let ok = close(AggregationHarness.flat(result.model), expected, tolerance: 1e-13)
            #expect(ok)
        }
    }

    @Test func bf16RoundsToNearestEven() async throws {
        try await withTemporaryDirectory { dir in
            let h = AggregationHarness(directory: dir, seed: 0, descriptors: [])
            func model(_ values: [Float]) -> InMemoryModel {
                var g = SeededGenerator(seed: 0)
                return InMemoryModel(
                    tensors: [TensorDescriptor(name: "b", dtype: .bf16, shape: [values.count])],
                    data: [RandomModel.encode(values.map(Double.init), as: .bf16, using: &g)]
                )
            }
            let base = try h.write(model([0, 0]), "base")
            // 1 and 1 + 2⁻⁷ are neighbours in bf16; their mean 1 + 2⁻⁸ is a tie that rounds to the even 1.
            let a = try h.write(model([1, 2]), "a")
            let b = try h.write(model([1 + 1.0 / 128, 2]), "b")
            let result = try AggregationHarness.aggregate(.fedavg, base: base, updates: [(a, 1), (b, 1)])
            let out = try h.write(result.model, "out")
            #expect(RandomModel.flatFloats(out) == [1, 2])
        }
    }
}
