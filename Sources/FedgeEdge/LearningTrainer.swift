import FedgeCore
package import FedgeLearning
import Foundation

/// A built-in trainer: softmax regression or an MLP learning on this client's shard of a built-in dataset
/// (`FedgeLearning`), in process.
package struct LearningTrainer: Trainer {
    package let learner: LocalLearner

    package init(_ configuration: LearnerConfiguration) throws(LearningError) {
        self.learner = try LocalLearner(configuration)
    }

    package var name: String {
        switch self.learner.configuration.architecture {
        case .softmax: "softmax"
        case .mlp: "mlp"
        }
    }

    package func train(_ input: TrainerInput) async throws -> TrainingResult {
        try Task.checkCancellation()
        let result = try self.learner.train(
            model: input.model,
            output: input.output,
            settingsJSON: input.settingsJSON,
            round: input.task.round
        )
        return TrainingResult(numExamples: result.numExamples, metrics: result.metrics)
    }

    package func validate(_ input: TrainerInput) async throws -> ValidationResult {
        try Task.checkCancellation()
        let result = try self.learner.validate(model: input.model)
        return ValidationResult(metrics: result.metrics, numExamples: result.numExamples)
    }
}
