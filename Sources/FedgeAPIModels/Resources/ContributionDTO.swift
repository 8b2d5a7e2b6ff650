import Foundation

/// One update's share in a model.
package struct ContributionDTO: Sendable, Hashable, Codable {
    package var client: String
    package var combiner: String?
    package var weight: Double
    package var update: String

    package init(client: String, combiner: String?, weight: Double, update: String) {
        self.client = client
        self.combiner = combiner
        self.weight = weight
        self.update = update
    }
}
