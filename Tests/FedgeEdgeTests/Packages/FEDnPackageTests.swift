import FedgeCore
import FedgeEdge
import FedgeTensor
import FedgeTestSupport
import Foundation
import NIOConcurrencyHelpers
import Testing

/// FEDn compute packages run unchanged: `.npz` models converted at the boundary (arrays in the tensors' order,
/// dtypes kept), FEDn's metadata and metrics read, the package's `python_env` made into a venv.
@Suite("FEDn packages")
struct FEDnPackageTests {
    static let fixture = URL(
        fileURLWithPath: ExternalTools.repositoryRoot + "/Tests/FedgeEdgeTests/Fixtures/fedn-style"
    )

    /// A model with float32, int64 and float64 tensors, in that order.
    static func mixedModel() -> InMemoryModel {
        var model = InMemoryModel()
        model.append(name: "layer.weight", shape: [3, 2], floats: [0, 1, 2, 3, 4, 5])
        model.append(
            TensorDescriptor(name: "layer.steps", dtype: .i64, shape: [2]),
            bytes: [Int64(7), Int64(-9)].withUnsafeBytes { Array($0) }
        )
        model.append(
            TensorDescriptor(name: "scale", dtype: .f64, shape: [1]),
            bytes: [Double(0.5)].withUnsafeBytes { Array($0) }
        )
        return model
    }

    static func input(_ model: String, dir: String, kind: TaskKind = .train) throws -> TrainerInput {
        let task = TrainingTask(
            id: "t",
            session: "s",
            round: 1,
            kind: kind,
            model: try ModelID.ofFile(atPath: model),
            modelSize: 0,
            clientSettingsJSON: "{\"epochs\": 1}",
            deadline: Date()
        )
        return TrainerInput(
            model: URL(fileURLWithPath: model),
            output: URL(fileURLWithPath: dir + "/out.safetensors"),
            settingsJSON: task.clientSettingsJSON,
            workDirectory: URL(fileURLWithPath: dir),
            task: task,
            log: { _, _ in }
        )
    }

    @Test("A safetensors model goes to .npz and back unchanged: order, dtypes, shapes, bytes")
    func npzRoundTrip() async throws {
        try await withTemporaryDirectory { dir in
            try SafetensorsWriter.write(Self.mixedModel(), to: dir + "/m.safetensors")
            try NumpyArchive.convert(safetensors: dir + "/m.safetensors", toNPZ: dir + "/m.npz")
            let arrays = try NumpyArchive.read(dir + "/m.npz")
            #expect(arrays.map(\.name) == ["0", "1", "2"])
            #expect(arrays.map(\.array.dtype) == [.f32, .i64, .f64])
            try NumpyArchive.convert(
                npz: dir + "/m.npz",
                toSafetensors: dir + "/back.safetensors",
                like: dir + "/m.safetensors"
            )
            #expect(InMemoryModel(try SafetensorsFile(path: dir + "/back.safetensors")).data == Self.mixedModel().data)
            // Without a reference the tensors are named by their index, as `fedge model upload` does with a seed.
            try NumpyArchive.convert(npz: dir + "/m.npz", toSafetensors: dir + "/named.safetensors")
            #expect(try SafetensorsFile(path: dir + "/named.safetensors").descriptors.map(\.name) == ["0", "1", "2"])
        }
    }

    @Test(
        "NumPy reads what Fedge writes and Fedge reads what NumPy writes (np.savez and np.savez_compressed)",
        .enabled(if: ExternalTools.hasNumpy, "needs python3 with numpy")
    )
    func numpyInterop() async throws {
        try await withTemporaryDirectory { dir in
            try SafetensorsWriter.write(Self.mixedModel(), to: dir + "/m.safetensors")
            try NumpyArchive.convert(safetensors: dir + "/m.safetensors", toNPZ: dir + "/fedge.npz")
            let script = """
                import numpy as np, sys
                a = np.load(sys.argv[1] + '/fedge.npz')
                assert a['0'].dtype == np.float32 and a['0'].shape == (3, 2) and a['0'][2, 1] == 5, a['0']
                assert a['1'].dtype == np.int64 and list(a['1']) == [7, -9]
                assert a['2'].dtype == np.float64 and a['2'][0] == 0.5
                np.savez(sys.argv[1] + '/plain.npz', np.arange(4, dtype=np.float32), np.array([True, False]))
                np.savez_compressed(sys.argv[1] + '/packed.npz', **{'0': np.ones((2, 2), np.float16), '1': np.zeros(3, np.int32)})
                """
            let run = try await ExternalTools.run("/usr/bin/env", ["python3", "-c", script, dir])
            #expect(run.status == 0, "\(run.stderr)")
            let plain = try NumpyArchive.read(dir + "/plain.npz")
            #expect(plain.map(\.name) == ["arr_0", "arr_1"] && plain.map(\.array.dtype) == [.f32, .bool])
            let packed = try NumpyArchive.read(dir + "/packed.npz")
            #expect(packed.map(\.array.dtype) == [.f16, .i32] && packed[0].array.shape == [2, 2])
        }
    }

    @Test(
        "A package in FEDn's layout trains and validates unchanged on .npz models; the update keeps the tensors' names",
        .enabled(if: ExternalTools.hasNumpy, "needs python3 with numpy")
    )
    func fednLayoutPackageRuns() async throws {
        try await withTemporaryDirectory { dir in
            let package = try ComputePackage(directory: Self.fixture)
            #expect(package.modelFormat == .npz)
            let trainer = ComputePackageTrainer(package: package, timeout: .seconds(60))
            try SafetensorsWriter.write(Self.mixedModel(), to: dir + "/in.safetensors")
            let result = try await trainer.train(try Self.input(dir + "/in.safetensors", dir: dir))
            #expect(result.numExamples == 7)
            #expect(result.metrics["arrays"] == 3 && result.metrics["epochs"] == 1)
            let update = try SafetensorsFile(path: dir + "/out.safetensors")
            #expect(update.descriptors.map(\.name) == ["layer.weight", "layer.steps", "scale"])
            #expect(RandomModel.flatFloats(update).prefix(6) == [1, 2, 3, 4, 5, 6])
            #expect(InMemoryModel(update).data[1] == Self.mixedModel().data[1], "integers pass through unchanged")
            let validation = try await trainer.validate(
                try Self.input(dir + "/out.safetensors", dir: dir, kind: .validate)
            )
            #expect(validation.metrics["mean"] == 3.5 && validation.numExamples == 3)
        }
    }

    @Test(
        "A package's python_env becomes a venv made once; its entry points run inside it",
        .enabled(if: ExternalTools.hasVenv, "needs python3 with the venv module (python3-venv)")
    )
    func pythonEnvironmentIsAVenv() async throws {
        try await withTemporaryDirectory { dir in
            let root = URL(fileURLWithPath: dir + "/pkg")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            try """
            python_env: python_env.yaml
            model_format: safetensors
            entry_points:
              validate:
                command: python check.py
            """.write(to: root.appendingPathComponent("fedn.yaml"), atomically: true, encoding: .utf8)
            try "name: check\nbuild_dependencies: []\ndependencies: []\n".write(
                to: root.appendingPathComponent("python_env.yaml"),
                atomically: true,
                encoding: .utf8
            )
            try """
            import json, os, sys
            json.dump({"in_venv": int(sys.prefix != sys.base_prefix), "env": int("VIRTUAL_ENV" in os.environ), "num_examples": 1}, open(sys.argv[2], "w"))
            """.write(to: root.appendingPathComponent("check.py"), atomically: true, encoding: .utf8)
            let trainer = ComputePackageTrainer(package: try ComputePackage(directory: root), timeout: .seconds(120))
            try SafetensorsWriter.write(Self.mixedModel(), to: dir + "/in.safetensors")
            let first = try await trainer.validate(try Self.input(dir + "/in.safetensors", dir: dir, kind: .validate))
            #expect(first.metrics["in_venv"] == 1 && first.metrics["env"] == 1)
            let venvs = try FileManager.default.contentsOfDirectory(atPath: root.path).filter {
                $0.hasPrefix(".fedge-venv-")
            }
            #expect(venvs.count == 1)
            _ = try await trainer.validate(try Self.input(dir + "/in.safetensors", dir: dir, kind: .validate))
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: root.path).filter { $0.hasPrefix(".fedge-venv-") }
                    == venvs
            )
        }
    }

    @Test(
        "A package written with FEDn's own library (numpyhelper, save_metadata, save_metrics; python_env with fedn) runs unchanged: its venv is built from PyPI, startup prepares the data, a few rounds learn",
        .enabled(
            if: ExternalTools.hasVenv && ExternalTools.reachesPyPI,
            "needs python3-venv and PyPI (pip install fedn)"
        ),
        .timeLimit(.minutes(10))
    )
    func realFEDnPackageRuns() async throws {
        try await withTemporaryDirectory { dir in
            // A copy: the venv is built inside the package, and the repository stays clean.
            let root = dir + "/fedn-package"
            try FileManager.default.copyItem(
                atPath: ExternalTools.repositoryRoot + "/Tests/FedgeEdgeTests/Fixtures/fedn-package",
                toPath: root
            )
            try ExamplePackageTests.writeDigits(to: dir + "/digits.npz")
            var environment = PackageEnvironment.clean()
            environment["FEDGE_DATA"] = dir + "/digits.npz"
            environment["FEDGE_SHARD"] = "1/2"
            let trainer = ComputePackageTrainer(
                package: try ComputePackage(directory: URL(fileURLWithPath: root)),
                timeout: .seconds(600),
                environment: environment
            )
            let logs = NIOLockedValueBox<[String]>([])
            try await trainer.startup { _, line in logs.withLockedValue { $0.append(line) } }
            var seed = InMemoryModel()
            seed.append(name: "linear.weight", shape: [10, 64], floats: [Float](repeating: 0, count: 640))
            seed.append(name: "linear.bias", shape: [10], floats: [Float](repeating: 0, count: 10))
            var model = dir + "/round-0.safetensors"
            try SafetensorsWriter.write(seed, to: model)
            var accuracies: [Double] = []
            for round in 1...3 {
                let work = dir + "/work-\(round)"
                try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
                var input = try Self.input(model, dir: work)
                input.settingsJSON = "{\"epochs\": 2, \"lr\": 0.3, \"batch_size\": 16}"
                let result = try await trainer.train(input)
                #expect(result.numExamples > 0)
                let update = try SafetensorsFile(path: work + "/out.safetensors")
                #expect(update.descriptors.map(\.name) == ["linear.weight", "linear.bias"])
                let validation = try await trainer.validate(
                    try Self.input(work + "/out.safetensors", dir: work, kind: .validate)
                )
                accuracies.append(validation.metrics["test_accuracy"] ?? 0)
                model = work + "/out.safetensors"
            }
            #expect((accuracies.last ?? 0) > 0.85, "\(accuracies); \(logs.withLockedValue { $0.suffix(5) })")
        }
    }
}
