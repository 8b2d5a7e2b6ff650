package import Foundation

/// One measurement: per round (no client) or per client.
package struct MetricDTO: Sendable, Hashable, Codable {
    package var session: String?
    package var round: Int?
    package var client: String?
    package var name: String
    package var value: Double
    package var createdAt: Date

    package init(session: String?, round: Int?, client: String?, name: String, value: Double, createdAt: Date) {
        self.session = session
        self.round = round
        self.client = client
        self.name = name
        self.value = value
        self.createdAt = createdAt
    }
}
