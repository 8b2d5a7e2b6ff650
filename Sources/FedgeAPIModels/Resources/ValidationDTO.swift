package import Foundation

/// One client's validation of one model.
package struct ValidationDTO: Sendable, Hashable, Codable {
    package var id: Int64
    package var model: String
    package var client: String
    package var metrics: [String: Double]
    package var numExamples: Double
    package var createdAt: Date

    package init(
        id: Int64,
        model: String,
        client: String,
        metrics: [String: Double],
        numExamples: Double,
        createdAt: Date
    ) {
        self.id = id
        self.model = model
        self.client = client
        self.metrics = metrics
        self.numExamples = numExamples
        self.createdAt = createdAt
    }
}
