import FedgeCore
import FedgeEdge
import FedgeTensor
import FedgeTestSupport
import Foundation
import Testing

/// `fedge aggregate`, run as a real process, reproduces each formula on random models.
@Suite("fedge aggregate, end to end")
struct AggregateCommandTests {
    static let descriptors = [
        TensorDescriptor(name: "conv.weight", dtype: .f32, shape: [4, 3, 3]),
        TensorDescriptor(name: "conv.bias", dtype: .f32, shape: [4]),
        TensorDescriptor(name: "bn.num_batches_tracked", dtype: .i64, shape: []),
    ]

    struct Setup {
        var dir: String
        var base: String
        var updates: [(path: String, weight: Double)]
    }

    static func setup(_ dir: String, seed: UInt64, count: Int = 4) throws -> Setup {
        var generator = SeededGenerator(seed: seed)
        let base = dir + "/base.safetensors"
        try SafetensorsWriter.write(RandomModel.make(Self.descriptors, using: &generator), to: base)
        var updates: [(String, Double)] = []
        for i in 0..<count {
            let path = dir + "/client-\(i).safetensors"
            try SafetensorsWriter.write(RandomModel.make(Self.descriptors, using: &generator), to: path)
            updates.append((path, Double(Int.random(in: 1...300, using: &generator))))
        }
        return Setup(dir: dir, base: base, updates: updates)
    }

    static func flat(_ path: String) throws -> [Double] {
        RandomModel.flatFloats(try SafetensorsFile(path: path))
    }

    static func close(_ a: [Double], _ b: [Double], _ tolerance: Double) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($1)) }
    }

    @Test func fedAvgMatchesTheReferenceAndCarriesIntegers() async throws {
        try await withTemporaryDirectory { dir in
            let s = try Self.setup(dir, seed: 1)
            let out = dir + "/out.safetensors"
            let result = try await FedgeBinary.run(
                ["aggregate", "--aggregator", "fedavg", "--base", s.base, "--out", out, "--json"]
                    + s.updates.map { "\($0.path):\(Int($0.weight))" }
            )
            #expect(result.status == 0, "\(result.stderr)")
            let expected = Reference.weightedMean(
                try s.updates.map { try Self.flat($0.path) },
                weights: s.updates.map(\.weight)
            )
            let ok = Self.close(try Self.flat(out), expected, 1e-6)
            #expect(ok)
            let model = try SafetensorsFile(path: out)
            let base = try SafetensorsFile(path: s.base)
            let carried = model.withTensorBytes(at: model.index(of: "bn.num_batches_tracked")!) { a in
                base.withTensorBytes(at: base.index(of: "bn.num_batches_tracked")!) { b in Array(a) == Array(b) }
            }
            #expect(carried)
            let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
            #expect(report["model_id"] as? String == model.computeModelID().hex)
            #expect(report["parent"] as? String == base.computeModelID().hex)
            // The updates are hashed while they are folded; each contribution still names its own file.
            let recorded = (report["contributions"] as? [[String: Any]])?.compactMap { $0["update"] as? String }
            #expect(recorded == (try s.updates.map { try SafetensorsFile(path: $0.path).computeModelID().hex }))
        }
    }

    @Test(arguments: ["fedavgm", "fedadam", "fedyogi", "fedadagrad"])
    func stateDirectoryMakesSuccessiveCallsSuccessiveRounds(name: String) async throws {
        try await withTemporaryDirectory { dir in
            let s = try Self.setup(dir, seed: 2)
            let state = dir + "/state"
            var x = try Self.flat(s.base)
            var m = [Double](repeating: 0, count: x.count)
            var v = [Double](repeating: 0, count: x.count)
            var base = s.base
            for round in 1...2 {
                let out = dir + "/round-\(round).safetensors"
                let params =
                    name == "fedavgm"
                    ? ["--param", "eta=0.5", "--param", "beta=0.7"] : ["--param", "eta=0.02", "--param", "tau=0.01"]
                let result = try await FedgeBinary.run(
                    ["aggregate", "--aggregator", name, "--base", base, "--state", state, "--out", out] + params
                        + s.updates.map { "\($0.path):\($0.weight)" }
                )
                #expect(result.status == 0, "\(result.stderr)")
                #expect(result.stdout.contains("server step \(round)"))
                let average = Reference.weightedMean(
                    try s.updates.map { try Self.flat($0.path) },
                    weights: s.updates.map(\.weight)
                )
                switch name {
                case "fedavgm": x = Reference.fedavgm(x: x, average: average, velocity: &m, eta: 0.5, beta: 0.7)
                case "fedadam":
                    x = Reference.fedopt(
                        .adam,
                        x: x,
                        average: average,
                        m: &m,
                        v: &v,
                        t: round,
                        eta: 0.02,
                        beta1: 0.9,
                        beta2: 0.99,
                        tau: 0.01
                    )
                case "fedyogi":
                    x = Reference.fedopt(
                        .yogi,
                        x: x,
                        average: average,
                        m: &m,
                        v: &v,
                        t: round,
                        eta: 0.02,
                        beta1: 0.9,
                        beta2: 0.99,
                        tau: 0.01
                    )
                default:
                    x = Reference.fedopt(
                        .adagrad,
                        x: x,
                        average: average,
                        m: &m,
                        v: &v,
                        t: round,
                        eta: 0.02,
                        beta1: 0,
                        beta2: 0.99,
                        tau: 0.01
                    )
                }
                let actual = try Self.flat(out)
                let ok = Self.close(actual, x, 1e-5)
                #expect(ok, "round \(round)")
                x = actual
                base = out
            }
            #expect(FileManager.default.fileExists(atPath: state + "/server-optimizer.safetensors"))
        }
    }

    @Test(arguments: ["fedmedian", "fedtrimmedavg", "krum", "multikrum"])
    func robustAggregatorsRunFromTheCommandLine(name: String) async throws {
        try await withTemporaryDirectory { dir in
            let s = try Self.setup(dir, seed: 3, count: 5)
            let out = dir + "/out.safetensors"
            let result = try await FedgeBinary.run(
                ["aggregate", "--aggregator", name, "--base", s.base, "--out", out]
                    + s.updates.map { "\($0.path):\($0.weight)" }
            )
            #expect(result.status == 0, "\(result.stderr)")
            let flats = try s.updates.map { try Self.flat($0.path) }
            if name == "fedmedian" {
                let ok = Self.close(try Self.flat(out), Reference.median(flats), 1e-6)
                #expect(ok)
            }
            if name == "fedtrimmedavg" {
                let ok = Self.close(try Self.flat(out), Reference.trimmedMean(flats, beta: 0.2), 1e-6)
                #expect(ok)
            }
        }
    }

    @Test func badInputGetsASentenceAndWritesNothing() async throws {
        try await withTemporaryDirectory { dir in
            let s = try Self.setup(dir, seed: 4)
            let out = dir + "/out.safetensors"
            let corrupt = dir + "/corrupt.safetensors"
            try Data([1, 2, 3, 4, 5, 6, 7, 8, 9]).write(to: URL(fileURLWithPath: corrupt))
            var otherGenerator = SeededGenerator(seed: 5)
            let wrongShape = dir + "/wrong-shape.safetensors"
            try SafetensorsWriter.write(
                RandomModel.make(
                    [TensorDescriptor(name: "conv.weight", dtype: .f32, shape: [2])],
                    using: &otherGenerator
                ),
                to: wrongShape
            )
            let cases: [([String], String)] = [
                (["--aggregator", "fedsgd"], "unknown aggregator 'fedsgd'"),
                (["--param", "eta"], "is not NAME=NUMBER"),
                (["--aggregator", "fedadam", "--param", "beta=0.5"], "has no parameter 'beta'"),
                (["\(s.updates[0].path):0"], "weights must be positive"),
                (["\(s.updates[0].path)"], "is not PATH:WEIGHT"),
                (["\(corrupt):3"], "it is not a safetensors file"),
                (["\(wrongShape):3"], "has shape [2] but the global model's has [4, 3, 3]"),
                (["\(dir)/missing.safetensors:3"], "No such file or directory"),
            ]
            for (arguments, message) in cases {
                let result = try await FedgeBinary.run(
                    ["aggregate", "--base", s.base, "--out", out] + arguments + ["\(s.updates[1].path):2"]
                )
                #expect(result.status != 0, "\(arguments) was accepted")
                #expect(
                    result.stderr.contains(message) || result.stdout.contains(message),
                    "\(arguments): \(result.stderr)"
                )
                #expect(!FileManager.default.fileExists(atPath: out))
            }
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".partial-") }
            #expect(leftovers.isEmpty)
        }
    }
}
