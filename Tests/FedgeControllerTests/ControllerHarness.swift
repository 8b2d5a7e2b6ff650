import FedgeAPIClient
import FedgeAPIModels
import FedgeCombiner
import FedgeController
import FedgeCore
import FedgeDemo
import FedgeEdge
import FedgeRPC
import FedgeServerKit
import FedgeTensor
import FedgeTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Logs go nowhere unless FEDGE_TEST_LOGS is set: to a level (`warning`), or anything else for all of them.
let testLogger: Logger = {
    var logger = Logger(label: "fedge.test")
    logger.logLevel =
        ProcessInfo.processInfo.environment["FEDGE_TEST_LOGS"].map { Logger.Level(rawValue: $0) ?? .debug } ?? .critical
    return logger
}()

/// Shifts the model like `NoopTrainer`, after an optional pause, and keeps a copy of every update it sends.
struct RecordingTrainer: Trainer {
    let delta: Float
    let weight: Double
    let record: URL
    var pause: Duration = .zero

    var name: String { "recording" }

    func train(_ input: TrainerInput) async throws -> TrainingResult {
        if self.pause > .zero { try await Task.sleep(for: self.pause) }
        let result = try await NoopTrainer(delta: self.delta, numExamples: self.weight).train(input)
        try FileManager.default.createDirectory(at: self.record, withIntermediateDirectories: true)
        let copy = self.record.appendingPathComponent("\(UUID().uuidString).safetensors")
        try FileManager.default.copyItem(at: input.output, to: copy)
        // A training loss that falls round by round, different per client.
        return TrainingResult(
            numExamples: result.numExamples,
            metrics: ["loss": Double(self.delta) * 10 / Double(input.task.round)]
        )
    }

    func validate(_ input: TrainerInput) async throws -> ValidationResult {
        ValidationResult(metrics: ["accuracy": Double(self.delta) * 10], numExamples: self.weight)
    }
}

/// The updates recorded under `directory`, by their SHA-256.
func recordedUpdates(in directory: URL) throws -> [ModelID: String] {
    var out: [ModelID: String] = [:]
    let enumerator = FileManager.default.enumerator(atPath: directory.path)
    while let relative = enumerator?.nextObject() as? String {
        guard relative.hasSuffix(".safetensors") else { continue }
        let path = directory.appendingPathComponent(relative).path
        out[try ModelID.ofFile(atPath: path)] = path
    }
    return out
}

func seedModel(elements: Int = 2_000, seed: UInt64 = 7) -> InMemoryModel {
    var generator = SeededGenerator(seed: seed)
    return RandomModel.make(
        [
            TensorDescriptor(name: "w", dtype: .f32, shape: [elements]),
            TensorDescriptor(name: "b", dtype: .f32, shape: [8]),
            TensorDescriptor(name: "steps", dtype: .i64, shape: []),
        ],
        using: &generator
    )
}

/// Polls `condition` every 100 ms until it holds or `timeout` (scaled by `TestTime`) passes.
func eventually(timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws -> Bool {
    let clock = ContinuousClock()
    let end = clock.now + TestTime.scaled(timeout)
    while clock.now < end {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(100))
    }
    return try await condition()
}

extension SessionDTO {
    /// Whether the session ended (finished, failed or stopped): a queued one has not started yet, so "not running"
    /// is not the same thing.
    var hasEnded: Bool { ["finished", "failed", "stopped"].contains(self.status) }
}
