import FedgeCore
import Foundation

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
