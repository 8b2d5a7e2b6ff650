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
    /// The session's compute package, extracted (its root), for trainers that run it.
    package var package: URL? = nil

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
