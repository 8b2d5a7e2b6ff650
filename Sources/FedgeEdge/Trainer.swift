package import FedgeCore
package import Foundation

/// What a trainer is given for one task.
package struct TrainerInput: Sendable {
    /// The global model, downloaded and verified.
    package var model: URL
    /// Where a training run writes the updated model (train tasks only).
    package var output: URL
    /// The task's client settings, as the JSON object the combiner sent.
    package var settingsJSON: String
    /// A scratch directory for this task, removed afterwards.
    package var workDirectory: URL
    /// The task being run.
    package var task: TrainingTask
    /// Forwards a line of output to the combiner as a log record.
    package var log: @Sendable (_ stream: String, _ line: String) -> Void

    package init(
        model: URL,
        output: URL,
        settingsJSON: String,
        workDirectory: URL,
        task: TrainingTask,
        log: @escaping @Sendable (String, String) -> Void
    ) {
        self.model = model
        self.output = output
        self.settingsJSON = settingsJSON
        self.workDirectory = workDirectory
        self.task = task
        self.log = log
    }
}

/// What a training run produced besides the model file.
package struct TrainingResult: Sendable, Hashable {
    /// The update's weight in the average.
    package var numExamples: Double
    /// A flat map of metrics (loss, accuracy, …).
    package var metrics: [String: Double]

    package init(numExamples: Double, metrics: [String: Double] = [:]) {
        self.numExamples = numExamples
        self.metrics = metrics
    }
}

/// What a validation run measured.
package struct ValidationResult: Sendable, Hashable {
    package var metrics: [String: Double]
    package var numExamples: Double

    package init(metrics: [String: Double], numExamples: Double = 0) {
        self.metrics = metrics
        self.numExamples = numExamples
    }
}

/// Trains and validates models on local data: a compute package run as a child process, or a built-in trainer.
///
/// Implementations honour task cancellation: a cancelled run stops promptly and throws `CancellationError`.
package protocol Trainer: Sendable {
    /// A short name for logs and the client's hello ("noop", "package").
    var name: String { get }
    /// Runs once when the client starts (a compute package's `startup` entry point).
    func startup(log: @escaping @Sendable (String, String) -> Void) async throws
    /// Trains from `input.model` and writes the update to `input.output`.
    func train(_ input: TrainerInput) async throws -> TrainingResult
    /// Measures `input.model` on local data.
    func validate(_ input: TrainerInput) async throws -> ValidationResult
}

extension Trainer {
    package func startup(log: @escaping @Sendable (String, String) -> Void) async throws {}
}

/// Why a training or validation run failed, as reported to the combiner.
package enum TrainerError: Error, Hashable, CustomStringConvertible {
    /// The compute package's manifest is missing or malformed.
    case badManifest(path: String, reason: String)
    /// The package has no entry point for this kind of task.
    case noEntryPoint(String)
    /// The entry point exited with a non-zero status.
    case failed(entryPoint: String, status: Int32, lastLines: [String])
    /// The entry point ran past its timeout and was killed.
    case timedOut(entryPoint: String, seconds: Double)
    /// The entry point did not write what the contract asks for.
    case badOutput(String)

    package var description: String {
        switch self {
        case .badManifest(let path, let reason):
            "the compute package manifest \(path) is not usable: \(reason)"
        case .noEntryPoint(let name):
            "the compute package has no '\(name)' entry point; add it under entry_points in fedge.yaml"
        case .failed(let entryPoint, let status, let lastLines):
            "the '\(entryPoint)' entry point exited with status \(status)"
                + (lastLines.isEmpty ? "" : "; its last output: " + lastLines.joined(separator: " | "))
        case .timedOut(let entryPoint, let seconds):
            "the '\(entryPoint)' entry point ran longer than \(Int(seconds)) s and was stopped"
        case .badOutput(let reason):
            "the training run's output is not usable: \(reason)"
        }
    }
}
