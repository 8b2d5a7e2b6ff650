import FedgeCore
import FedgeEdge
import FedgeLearning
import FedgeTensor
import FedgeTestSupport
import Foundation
import Testing

/// The packages in Examples/ learn for real: five rounds of one client's shard, through the same runner a client
/// uses, each round's model fed back as the next round's global one.
@Suite("Example packages", .serialized)
struct ExamplePackageTests {
    static let examples = ExternalTools.repositoryRoot + "/Examples"

    static let hasTorch: Bool = {
        (try? ExternalTools.runBlocking("/usr/bin/env", ["python3", "-c", "import torch, safetensors, numpy"]).status)
            == 0
    }()

    /// The digits as the packages read them (FEDGE_DATA): x (N, 64) float32 and y (N,) int64.
    static func writeDigits(to path: String) throws {
        let digits = Digits.all
        try NumpyArchive.write(
            named: [
                (
                    "x",
                    .init(dtype: .f32, shape: [digits.count, 64], bytes: digits.features.withUnsafeBytes { Array($0) })
                ),
                (
                    "y",
                    .init(
                        dtype: .i64,
                        shape: [digits.count],
                        bytes: digits.labels.map { Int64($0) }.withUnsafeBytes { Array($0) }
                    )
                ),
            ],
            to: path
        )
    }

    /// Trains `rounds` rounds from `seed` with the package in `folder`; returns the validation accuracies.
    static func accuracies(_ folder: String, seed: InMemoryModel, rounds: Int) async throws -> [Double] {
        try await withTemporaryDirectory { dir in
            try Self.writeDigits(to: dir + "/digits.npz")
            var environment = PackageEnvironment.clean()
            environment["FEDGE_DATA"] = dir + "/digits.npz"
            environment["FEDGE_SHARD"] = "1/2"
            let trainer = ComputePackageTrainer(
                package: try ComputePackage(directory: URL(fileURLWithPath: Self.examples + "/" + folder)),
                timeout: .seconds(300),
                environment: environment
            )
            var model = dir + "/round-0.safetensors"
            try SafetensorsWriter.write(seed, to: model)
            var accuracies: [Double] = []
            for round in 1...rounds {
                let task = TrainingTask(
                    id: TaskID("t\(round)"),
                    session: "s",
                    round: round,
                    kind: .train,
                    model: try ModelID.ofFile(atPath: model),
                    modelSize: 0,
                    clientSettingsJSON: "{\"epochs\": 2, \"learning_rate\": 0.3}",
                    deadline: Date()
                )
                let work = URL(fileURLWithPath: dir + "/work-\(round)")
                try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
                let output = dir + "/round-\(round).safetensors"
                let input = TrainerInput(
                    model: URL(fileURLWithPath: model),
                    output: URL(fileURLWithPath: output),
                    settingsJSON: task.clientSettingsJSON,
                    workDirectory: work,
                    task: task,
                    log: { _, _ in }
                )
                let result = try await trainer.train(input)
                #expect(result.numExamples > 0)
                var check = input
                check.model = URL(fileURLWithPath: output)
                let validation = try await trainer.validate(check)
                accuracies.append(validation.metrics["accuracy"] ?? 0)
                model = output
            }
            return accuracies
        }
    }

    @Test(
        "Examples/numpy-softmax learns the digits: accuracy above 0.85 within five rounds",
        .enabled(if: ExternalTools.hasPythonSafetensors, "needs python3 with numpy and safetensors")
    )
    func numpySoftmaxLearns() async throws {
        let seed = LocalLearner.initialModel(LearnerConfiguration(architecture: .softmax)).model
        let accuracies = try await Self.accuracies("numpy-softmax", seed: seed, rounds: 5)
        #expect((accuracies.last ?? 0) > 0.85, "\(accuracies)")
    }

    @Test(
        "Examples/pytorch-mlp learns the digits: accuracy above 0.85 within five rounds",
        .enabled(
            if: Self.hasTorch,
            "needs python3 with torch, numpy and safetensors (pip install torch --index-url https://download.pytorch.org/whl/cpu)"
        )
    )
    func pytorchMLPLearns() async throws {
        let seed = LocalLearner.initialModel(LearnerConfiguration(architecture: .mlp(hidden: 64))).model
        let accuracies = try await Self.accuracies("pytorch-mlp", seed: seed, rounds: 5)
        #expect((accuracies.last ?? 0) > 0.85, "\(accuracies)")
    }
}
