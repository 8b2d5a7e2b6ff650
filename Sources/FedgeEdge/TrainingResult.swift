package import FedgeCore
import Foundation

/// What a training run produced besides the model file.
package struct TrainingResult: Sendable, Hashable {
    /// The update's weight in the average.
    package var numExamples: Double
    /// A flat map of metrics (loss, accuracy, …).
    package var metrics: [String: Double]
    /// The update file's SHA-256, when the trainer wrote it with `SafetensorsWriter` (which hashes as it writes):
    /// the upload then need not read the file twice. `nil` when unknown (a compute package wrote it).
    package var updateID: ModelID?

    package init(numExamples: Double, metrics: [String: Double] = [:], updateID: ModelID? = nil) {
        self.numExamples = numExamples
        self.metrics = metrics
        self.updateID = updateID
    }
}
