import FedgeCore
import Foundation
import NIOConcurrencyHelpers

/// Runs the compute package of each task's session, as the controller hands it down: fetched through the combiner
/// into the package cache (by `TaskExecution`), its `startup` entry point run once per package, then `train` and
/// `validate` like a local package. The client needs no package of its own (`fedge-client run` without
/// `--package` or `--trainer`).
package struct SessionPackageTrainer: Trainer {
    /// How long an entry point may run; `nil` for no limit.
    package let timeout: Duration?
    /// The environment entry points get (see `PackageEnvironment`).
    package let environment: [String: String]
    private let started = StartedPackages()

    package init(timeout: Duration?, environment: [String: String] = PackageEnvironment.clean()) {
        self.timeout = timeout
        self.environment = environment
    }

    package var name: String { "package" }

    package var usesSessionPackage: Bool { true }

    package func train(_ input: TrainerInput) async throws -> TrainingResult {
        try await self.trainer(for: input).train(input)
    }

    package func validate(_ input: TrainerInput) async throws -> ValidationResult {
        try await self.trainer(for: input).validate(input)
    }

    private func trainer(for input: TrainerInput) async throws -> ComputePackageTrainer {
        guard let directory = input.package else {
            throw TrainerError.badOutput(
                "this client runs the session's compute package, and session \(input.task.session) has none: upload one with `fedge package upload FILE --activate`, or start the session with --package"
            )
        }
        let trainer = ComputePackageTrainer(
            package: try ComputePackage(directory: directory),
            timeout: self.timeout,
            environment: self.environment
        )
        let key = directory.path
        if !self.started.contains(key) {
            try await trainer.startup(log: input.log)
            self.started.insert(key)
        }
        return trainer
    }
}

/// The packages whose `startup` entry point already ran in this process.
private final class StartedPackages: Sendable {
    private let keys = NIOLockedValueBox<Set<String>>([])

    func contains(_ key: String) -> Bool { self.keys.withLockedValue { $0.contains(key) } }
    func insert(_ key: String) { self.keys.withLockedValue { _ = $0.insert(key) } }
}
