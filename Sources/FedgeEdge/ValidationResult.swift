import FedgeCore
import Foundation

/// What a validation run measured.
package struct ValidationResult: Sendable, Hashable {
    package var metrics: [String: Double]
    package var numExamples: Double

    package init(metrics: [String: Double], numExamples: Double = 0) {
        self.metrics = metrics
        self.numExamples = numExamples
    }
}
