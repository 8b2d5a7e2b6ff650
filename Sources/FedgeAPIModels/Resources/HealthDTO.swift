import Foundation

/// `GET /health`.
package struct HealthDTO: Sendable, Hashable, Codable {
    /// `ok`.
    package var status: String
    /// `controller` or `combiner`.
    package var role: String
    package var name: String
    package var version: String
    package var uptimeSeconds: Double

    package init(status: String, role: String, name: String, version: String, uptimeSeconds: Double) {
        self.status = status
        self.role = role
        self.name = name
        self.version = version
        self.uptimeSeconds = uptimeSeconds
    }
}
