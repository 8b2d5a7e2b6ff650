import FedgeAggregation
import FedgeCore
import FedgeTensor
import FedgeTestSupport
import Testing

/// Robust aggregators on cases small enough to work out by hand.
@Suite("Robust aggregators, by hand")
struct RobustHandComputedTests {
    /// Writes one-tensor models holding `values` and aggregates them with `config` onto a zero base.
    static func run(_ config: AggregatorConfig, _ updates: [[Float]], weights: [Double]? = nil) async throws -> [Double]
    {
        try await withTemporaryDirectory { dir in
            let h = AggregationHarness(directory: dir, seed: 0, descriptors: [])
            var base = InMemoryModel()
            base.append(name: "w", shape: [updates[0].count], floats: [Float](repeating: 0, count: updates[0].count))
            let baseFile = try h.write(base, "base")
            let files = try updates.enumerated().map { i, values in
                var model = InMemoryModel()
                model.append(name: "w", shape: [values.count], floats: values)
                return (file: try h.write(model, "u\(i)"), weight: weights?[i] ?? 1)
            }
            return AggregationHarness.flat(
                try AggregationHarness.aggregate(config, base: baseFile, updates: files).model
            )
        }
    }

    @Test func medianOfOddAndEvenCounts() async throws {
        #expect(try await Self.run(.fedmedian, [[1, 10], [3, -10], [2, 0]]) == [2, 0])
        #expect(try await Self.run(.fedmedian, [[1, 10], [4, -10], [2, 0], [100, 1]]) == [3, 0.5])
    }

    @Test func medianIgnoresWeights() async throws {
        #expect(try await Self.run(.fedmedian, [[1], [2], [3]], weights: [100, 1, 1]) == [2])
    }

    @Test func trimmedMeanDropsEachEnd() async throws {
        // n = 5, β = 0.2: drop one value at each end of [−100, 1, 2, 3, 100] → mean of 1, 2, 3.
        #expect(try await Self.run(.fedtrimmedavg(beta: 0.2), [[100], [1], [-100], [3], [2]]) == [2])
        // n = 4, β = 0.2: ⌊0.8⌋ = 0, plain mean.
        #expect(try await Self.run(.fedtrimmedavg(beta: 0.2), [[1], [2], [3], [10]]) == [4])
    }

    @Test func krumPicksTheUpdateClosestToItsNeighbours() async throws {
        // Three honest updates near 0 and one outlier at 50: with f = 1 each score sums the n − f − 2 = 1 nearest.
        // Scores: [0]: 0.01, [1]: 0.01, [2]: 0.04 ([1]→[2] 0.2²), [3]: (50−0.3)²; [0] and [1] tie, [0]/[1] by hash.
        let result = try await Self.run(.krum(f: 1), [[0], [0.1], [0.3], [50]])
        #expect(result == [0] || result == [0.1].map { Double(Float($0)) })
        let clear = try await Self.run(.krum(f: 0), [[0], [1], [1.5], [50]])
        // f = 0: two nearest; [1]: 1 + 0.25 = 1.25, [2]: 0.25 + 2.25 = 2.5, [0]: 1 + 2.25 = 3.25.
        #expect(clear == [1])
    }

    @Test func multiKrumAveragesTheBestWeightedByExamples() async throws {
        // f = 0, m = 2: the two best of [0], [1], [1.5], [50] are [1] (1.25) and [1.5] (2.5); weights 1 and 3.
        let result = try await Self.run(.multikrum(f: 0, m: 2), [[0], [1], [1.5], [50]], weights: [1, 1, 3, 1])
        #expect(result == [1.375])
    }

    @Test func multiKrumWithMLargerThanNAveragesAll() async throws {
        let result = try await Self.run(.multikrum(f: 0, m: 10), [[2], [4]], weights: [1, 3])
        #expect(result == [3.5])
    }
}
