import FedgeCore
import Foundation

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
    /// Whether the trainer runs the session's compute package (handed to it in `TrainerInput.package`).
    var usesSessionPackage: Bool { get }
}

extension Trainer {
    package var usesSessionPackage: Bool { false }

    package func startup(log: @escaping @Sendable (String, String) -> Void) async throws {}
}
