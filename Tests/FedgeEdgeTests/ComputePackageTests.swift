import FedgeCore
import FedgeEdge
import FedgeTensor
import FedgeTestSupport
import Foundation
import NIOConcurrencyHelpers
import Testing

@Suite("Compute packages")
struct ComputePackageTests {
    static let numpyPackage = URL(
        fileURLWithPath: ExternalTools.repositoryRoot + "/Tests/FedgeEdgeTests/Fixtures/numpy-package"
    )

    static func package(_ manifest: String, name: String = "fedge.yaml", in dir: String) throws -> URL {
        let url = URL(fileURLWithPath: dir)
        try manifest.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8)
        return url
    }

    @Test func readsFedgeAndFednManifests() async throws {
        try await withTemporaryDirectory { dir in
            let fedn = try ComputePackage(
                directory: try Self.package(
                    "entry_points:\n  train:\n    command: python train.py\n  validate:\n    command: python validate.py\n",
                    name: "fedn.yaml",
                    in: dir
                )
            )
            #expect(fedn.entryPoints == ["train": "python train.py", "validate": "python validate.py"])
            #expect(fedn.manifest.lastPathComponent == "fedn.yaml")
            #expect(
                try ComputePackage(directory: Self.numpyPackage).entryPoints.keys.sorted() == [
                    "startup", "train", "validate",
                ]
            )
        }
    }

    @Test(arguments: [
        ("", "lacks an 'entry_points' map"),
        ("entry_points: [1, 2]", "lacks an 'entry_points' map"),
        ("entry_points:\n  train:\n    cmd: x\n", "entry point 'train' lacks a 'command'"),
        ("entry_points:\n  startup:\n    command: x\n", "neither a 'train' nor a 'validate'"),
        ("entry_points: {train: {command: [unclosed", "not valid YAML"),
    ])
    func badManifestsSayWhatIsWrong(manifest: String, message: String) async throws {
        await withTemporaryDirectory { dir in
            do {
                _ = try ComputePackage(directory: try Self.package(manifest, in: dir))
                Issue.record("accepted \(manifest)")
            } catch {
                #expect("\(error)".contains(message), "\(error)")
            }
        }
        _ = await withTemporaryDirectory { dir in
            #expect(throws: TrainerError.self) { try ComputePackage(directory: URL(fileURLWithPath: dir)) }
        }
    }

    @Test func childProcessForwardsLinesAndReportsFailure() async throws {
        let lines = NIOLockedValueBox<[String]>([])
        let outcome = try await ChildProcess.run(
            entryPoint: "test",
            command: "printf 'one\\ntwo\\n'; echo three >&2; exit 3",
            arguments: [],
            directory: URL(fileURLWithPath: "/tmp"),
            timeout: .seconds(10)
        ) { stream, line in lines.withLockedValue { $0.append("\(stream):\(line)") } }
        #expect(outcome.status == 3)
        #expect(Set(lines.withLockedValue { $0 }) == ["stdout:one", "stdout:two", "stderr:three"])
    }

    @Test(
        "A package runs with PATH, HOME, LANG, TMPDIR and FEDGE_* only: the client's token and other secrets stay out"
    )
    func packagesGetACleanEnvironment() async throws {
        let client = [
            "PATH": "/usr/bin:/bin", "HOME": "/home/site", "LANG": "C.UTF-8", "TMPDIR": "/tmp",
            "FEDGE_TOKEN": "eyJ.secret", "FEDGE_TOKEN_FILE": "/etc/fedge/token", "FEDGE_SITE": "lyon",
            "AWS_SECRET_ACCESS_KEY": "hunter2", "CUDA_VISIBLE_DEVICES": "0", "LD_PRELOAD": "/evil.so",
        ]
        #expect(
            PackageEnvironment.clean(from: client).keys.sorted() == ["FEDGE_SITE", "HOME", "LANG", "PATH", "TMPDIR"]
        )
        #expect(
            PackageEnvironment.clean(from: client, passing: ["CUDA_VISIBLE_DEVICES", "NOT_SET"]).keys.sorted() == [
                "CUDA_VISIBLE_DEVICES", "FEDGE_SITE", "HOME", "LANG", "PATH", "TMPDIR",
            ]
        )
        // The child sees exactly that environment (the shell adds only its own PWD, SHLVL and _).
        let lines = NIOLockedValueBox<[String]>([])
        let outcome = try await ChildProcess.run(
            entryPoint: "test",
            command: "env",
            arguments: [],
            directory: URL(fileURLWithPath: "/tmp"),
            timeout: .seconds(10),
            environment: PackageEnvironment.clean(from: client)
        ) { _, line in lines.withLockedValue { $0.append(line) } }
        #expect(outcome.status == 0)
        let names = Set(lines.withLockedValue { $0 }.compactMap { $0.split(separator: "=").first.map(String.init) })
        #expect(
            names.subtracting(["PWD", "SHLVL", "_", "OLDPWD"]) == ["FEDGE_SITE", "HOME", "LANG", "PATH", "TMPDIR"]
        )
        #expect(!lines.withLockedValue { $0 }.contains { $0.contains("secret") || $0.contains("hunter2") })
    }

    /// Whether a process with this id still exists (a reaped child does not).
    static func isAlive(_ pid: pid_t) -> Bool { kill(pid, 0) == 0 || errno != ESRCH }

    /// The id the child wrote into `file` before it exec'd `sleep`.
    static func childID(in file: String) throws -> pid_t {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        return try #require(pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    // The child sleeps far longer than the test's time limit: the run can only end because it was stopped.
    @Test(.timeLimit(.minutes(1))) func childProcessIsStoppedAtItsTimeout() async throws {
        try await withTemporaryDirectory { dir in
            await #expect(throws: TrainerError.timedOut(entryPoint: "slow", seconds: 0.3)) {
                _ = try await ChildProcess.run(
                    entryPoint: "slow",
                    command: "echo $$ > pid && exec sleep 3600",
                    arguments: [],
                    directory: URL(fileURLWithPath: dir),
                    timeout: .milliseconds(300)
                ) { _, _ in }
            }
            let child = try Self.childID(in: dir + "/pid")
            #expect(!Self.isAlive(child))
        }
    }

    @Test(.timeLimit(.minutes(1))) func childProcessIsStoppedWhenTheTaskIsCancelled() async throws {
        try await withTemporaryDirectory { dir in
            let run = Task {
                try await ChildProcess.run(
                    entryPoint: "slow",
                    command: "echo $$ > pid && exec sleep 3600",
                    arguments: [],
                    directory: URL(fileURLWithPath: dir),
                    timeout: nil
                ) { _, _ in }
            }
            while !FileManager.default.fileExists(atPath: dir + "/pid") {
                try await Task.sleep(for: .milliseconds(20))
            }
            run.cancel()
            await #expect(throws: CancellationError.self) { _ = try await run.value }
            let child = try Self.childID(in: dir + "/pid")
            #expect(!Self.isAlive(child))
        }
    }

    @Test("A child ended by a signal reads the same through the package runner and the plain runner: 128 + signal")
    func signalledChildReportsTheShellStatus() async throws {
        let outcome = try await ChildProcess.run(
            entryPoint: "test",
            command: "kill -TERM $$",
            arguments: [],
            directory: URL(fileURLWithPath: "/tmp"),
            timeout: .seconds(10)
        ) { _, _ in }
        #expect(outcome.status == 128 + SIGTERM)
        let output = try await SpawnedProcess.run("/bin/sh", ["-c", "echo out; echo err >&2; kill -TERM $$"])
        #expect(output.termination == .signalled(SIGTERM))
        #expect(output.status == outcome.status)
        #expect(output.stdout == "out\n" && output.stderr == "err\n")
    }

    @Test func argumentsAreQuotedForTheShell() {
        #expect(ChildProcess.quote("a b") == "'a b'")
        #expect(ChildProcess.quote("it's") == "'it'\\''s'")
    }

    @Test(
        .enabled(
            if: ExternalTools.hasPythonSafetensors,
            "needs python3 with numpy and safetensors (pip install numpy safetensors)"
        )
    )
    func aNumPyPackageTrainsAndValidates() async throws {
        try await withTemporaryDirectory { dir in
            let trainer = ComputePackageTrainer(
                package: try ComputePackage(directory: Self.numpyPackage),
                timeout: .seconds(120)
            )
            let startup = NIOLockedValueBox<[String]>([])
            try await trainer.startup { _, line in startup.withLockedValue { $0.append(line) } }
            #expect(startup.withLockedValue { $0 } == ["startup: local data is ready"])

            var model = InMemoryModel()
            model.append(name: "w", shape: [8], floats: [Float](repeating: 0, count: 8))
            let input = dir + "/in.safetensors"
            try SafetensorsWriter.write(model, to: input)
            let logs = NIOLockedValueBox<[String]>([])
            let task = TrainingTask(
                id: "t",
                session: "s",
                round: 1,
                kind: .train,
                model: try ModelID.ofFile(atPath: input),
                modelSize: 0,
                clientSettingsJSON: "{\"learning_rate\": 0.1, \"epochs\": 3}",
                deadline: Date()
            )
            let trainerInput = TrainerInput(
                model: URL(fileURLWithPath: input),
                output: URL(fileURLWithPath: dir + "/out.safetensors"),
                settingsJSON: task.clientSettingsJSON,
                workDirectory: URL(fileURLWithPath: dir),
                task: task,
                log: { _, line in logs.withLockedValue { $0.append(line) } }
            )
            let result = try await trainer.train(trainerInput)
            #expect(result.numExamples == 64)
            #expect(result.metrics["epochs"] == 3)
            #expect(logs.withLockedValue { $0.filter { $0.hasPrefix("epoch") }.count } == 3)
            let trained = RandomModel.flatFloats(try SafetensorsFile(path: dir + "/out.safetensors"))
            #expect(trained.allSatisfy { $0 > 0 }, "three steps towards the all-ones solution move every weight up")
            let validation = try await trainer.validate(
                TrainerInput(
                    model: URL(fileURLWithPath: dir + "/out.safetensors"),
                    output: URL(fileURLWithPath: dir + "/unused"),
                    settingsJSON: "{}",
                    workDirectory: URL(fileURLWithPath: dir),
                    task: task,
                    log: { _, _ in }
                )
            )
            #expect(validation.numExamples == 64)
            #expect((validation.metrics["loss"] ?? 100) < 8, "the loss fell from 8 (all zeros) after training")
        }
    }

    @Test func aFailingEntryPointIsAReportedError() async throws {
        try await withTemporaryDirectory { dir in
            let trainer = ComputePackageTrainer(
                package: try ComputePackage(
                    directory: try Self.package(
                        "entry_points:\n  train:\n    command: sh -c 'echo diverged >&2; exit 2'\n",
                        in: dir
                    )
                ),
                timeout: .seconds(10)
            )
            var model = InMemoryModel()
            model.append(name: "w", shape: [1], floats: [0])
            try SafetensorsWriter.write(model, to: dir + "/in.safetensors")
            let task = TrainingTask(
                id: "t",
                session: "s",
                round: 1,
                kind: .train,
                model: try ModelID.ofFile(atPath: dir + "/in.safetensors"),
                modelSize: 0,
                deadline: Date()
            )
            do {
                _ = try await trainer.train(
                    TrainerInput(
                        model: URL(fileURLWithPath: dir + "/in.safetensors"),
                        output: URL(fileURLWithPath: dir + "/out.safetensors"),
                        settingsJSON: "{}",
                        workDirectory: URL(fileURLWithPath: dir),
                        task: task,
                        log: { _, _ in }
                    )
                )
                Issue.record("a failing entry point succeeded")
            } catch {
                #expect("\(error)".contains("exited with status 2"))
                #expect("\(error)".contains("diverged"))
            }
        }
    }
}
