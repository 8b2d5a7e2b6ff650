import FedgeCore
import Foundation
import Logging

/// What one client's trainer reported with an accepted update, relayed by its combiner.
package struct TrainingReport: Sendable, Hashable {
    package var client: String
    package var metrics: [String: Double]
    package var numExamples: Double

    package init(client: String, metrics: [String: Double], numExamples: Double) {
        self.client = client
        self.metrics = metrics
        self.numExamples = numExamples
    }
}
