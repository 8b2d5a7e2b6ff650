package import FedgeCore
import Foundation
import Logging

/// One client's validation of a model, relayed by its combiner.
package struct ValidationReport: Sendable, Hashable {
    package var client: String
    package var model: ModelID
    package var metrics: [String: Double]
    package var numExamples: Double

    package init(client: String, model: ModelID, metrics: [String: Double], numExamples: Double) {
        self.client = client
        self.model = model
        self.metrics = metrics
        self.numExamples = numExamples
    }
}
