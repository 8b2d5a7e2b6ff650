import FedgeAggregation
import FedgeCore
import FedgeTensor
import FedgeTestSupport
import Foundation

/// Writes random models to a temporary directory and runs them through the reducers, for the tests.
struct AggregationHarness {
    let directory: String
    var generator: SeededGenerator
    let descriptors: [TensorDescriptor]

    init(directory: String, seed: UInt64, descriptors: [TensorDescriptor]) {
        self.directory = directory
        self.generator = SeededGenerator(seed: seed)
        self.descriptors = descriptors
    }

    static func mlp(elements: Int) -> [TensorDescriptor] {
        [
            TensorDescriptor(name: "layer.weight", dtype: .f32, shape: [elements]),
            TensorDescriptor(name: "layer.bias", dtype: .f32, shape: [3]),
            TensorDescriptor(name: "steps", dtype: .i64, shape: []),
        ]
    }

    /// Writes a random model and opens it.
    mutating func model(_ name: String, range: ClosedRange<Double> = -1...1) throws -> SafetensorsFile {
        let model = RandomModel.make(self.descriptors, range: range, using: &self.generator)
        return try self.write(model, name)
    }

    func write(_ model: some SafetensorsEncodable, _ name: String) throws -> SafetensorsFile {
        let path = "\(self.directory)/\(name).safetensors"
        try SafetensorsWriter.write(model, to: path)
        return try SafetensorsFile(path: path)
    }

    mutating func updates(_ count: Int) throws -> [(file: SafetensorsFile, weight: Double)] {
        try (0..<count).map { i in
            (try self.model("update-\(i)"), Double(Int.random(in: 1...500, using: &self.generator)))
        }
    }

    static func contribution(_ file: SafetensorsFile, _ weight: Double) -> Contribution {
        Contribution(client: file.path, weight: weight, update: file.computeModelID())
    }

    /// One-stage aggregation of `updates` onto `base`.
    static func aggregate(
        _ config: AggregatorConfig,
        base: SafetensorsFile,
        updates: [(file: SafetensorsFile, weight: Double)],
        state: ServerOptimizerState? = nil
    ) throws -> (model: AggregatedModel, state: ServerOptimizerState?) {
        var reducer = UpdateReducer(config: config, layout: ModelLayout(base))
        for (file, weight) in updates {
            try reducer.add(file, weight: weight, contribution: Self.contribution(file, weight))
        }
        return try ServerUpdate.apply(config, base: base, partials: [try reducer.finish()], state: state)
    }

    /// The flat float values of an aggregated model.
    static func flat(_ model: AggregatedModel) -> [Double] {
        model.values.flatMap { buffer in (0..<buffer.count).map { buffer[$0] } }
    }
}

/// |a − b| ≤ tolerance · max(1, |b|) everywhere. Tests bind the result first (`let ok = close(…)`) so that a
/// failure reports the worst element rather than both arrays.
func close(_ a: [Double], _ b: [Double], tolerance: Double) -> Bool {
    guard a.count == b.count else { return false }
    return zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($1)) }
}

/// The largest relative difference, for failure messages.
func worst(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
}
